// Every test file counts towards the coverage of every source file under engine/ and server/.
export default () => ['engine/', 'server/'];
