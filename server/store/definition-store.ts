/** Deployed definitions: stored versions in the database, compiled ones cached in memory (they never change). */

import {
  type CompiledDefinition,
  compileDefinition,
  type DefinitionSource,
  type Finding,
  semanticHash,
  staticMetrics,
} from '../../engine/index.js';
import type { Db } from '../db/database.js';
import {
  type DefinitionVersionRow,
  findVersion,
  highestVersion,
  insertVersion,
  latestVersionId,
  listVersions,
  replaceDiagram,
  setSemanticHash,
  storedXml,
  versionId,
  versionsWithoutCurrentMeaning,
  versionWithHash,
  versionWithMeaning,
} from '../repositories/definition-repository.js';

export interface DeployResult {
  created: boolean;
  id: string;
  key: string;
  version: number;
  name: string | null;
  deployedAt: Date;
  warnings: Finding[];
  /**
   * The deployment had the meaning of a stored version but another form (layout, defaults, element order,
   * prefixes): that version's stored diagram was replaced by this one, and no version was made.
   */
  diagramUpdated: boolean;
}

export class DeploymentRefused extends Error {
  constructor(readonly findings: Finding[]) {
    super(
      `the definition cannot be deployed: ${findings.filter((f) => f.severity === 'error').length} error(s)`,
    );
  }
}

export class DefinitionStore implements DefinitionSource {
  private readonly compiled = new Map<string, CompiledDefinition>();
  private readonly latestByKey = new Map<string, CompiledDefinition>();

  constructor(private readonly db: Db) {}

  byId(id: string): CompiledDefinition | undefined {
    return this.compiled.get(id);
  }

  latest(key: string): CompiledDefinition | undefined {
    return this.latestByKey.get(key);
  }

  private remember(definition: CompiledDefinition): void {
    this.compiled.set(definition.id, definition);
    const current = this.latestByKey.get(definition.key);
    if (!current || current.version < definition.version) this.latestByKey.set(definition.key, definition);
  }

  /** Every stored version (id, key, number, name, deployment time), by key then version. */
  versions(): Promise<Pick<DefinitionVersionRow, 'id' | 'key' | 'version' | 'name' | 'deployed_at'>[]> {
    return listVersions(this.db);
  }

  /** A stored version as it is in the database (its XML, static metrics and warnings). */
  stored(key: string, version: number): Promise<DefinitionVersionRow | undefined> {
    return findVersion(this.db, key, version);
  }

  /** The id of a version of a key (of any version when none is given), if deployed. */
  idOf(key: string, version?: number): Promise<string | undefined> {
    return versionId(this.db, key, version);
  }

  /** Loads (and caches) a stored version; other nodes may have deployed it. */
  async load(id: string): Promise<CompiledDefinition | undefined> {
    const cached = this.compiled.get(id);
    if (cached) return cached;
    const row = await storedXml(this.db, id);
    if (!row) return undefined;
    const result = await compileDefinition(row.xml, { id: row.id, version: row.version }, { stored: true });
    if (!result.ok)
      throw new Error(
        `stored definition ${id} no longer compiles: ${result.findings.map((f) => f.message).join('; ')}`,
      );
    this.remember(result.definition);
    return result.definition;
  }

  /** Loads the newest stored version of a key (another node may have deployed a newer one). */
  async loadLatest(key: string): Promise<CompiledDefinition | undefined> {
    const id = await latestVersionId(this.db, key);
    return id ? this.load(id) : undefined;
  }

  /** Makes sure the definitions a case may call are loaded at their newest version. */
  async prepareCallees(definition: CompiledDefinition, seen = new Set<string>()): Promise<void> {
    for (const node of Object.values(definition.graph.nodes)) {
      if (node.type !== 'callActivity' || !node.calledElement || seen.has(node.calledElement)) continue;
      seen.add(node.calledElement);
      const callee = await this.loadLatest(node.calledElement);
      if (callee) await this.prepareCallees(callee, seen);
    }
  }

  async deploy(xml: string, now: Date): Promise<DeployResult> {
    const result = await compileDefinition(xml);
    if (!result.ok) throw new DeploymentRefused(result.findings);
    const { key, graph } = result.definition;
    const warnings = result.findings.filter((f) => f.severity === 'warning');
    const meaning = semanticHash(graph);
    for (let attempt = 0; ; attempt++) {
      const existing = await versionWithHash(this.db, key, result.hash);
      if (existing) {
        return {
          created: false,
          id: existing.id,
          key,
          version: existing.version,
          name: existing.name,
          deployedAt: existing.deployed_at,
          warnings,
          diagramUpdated: false,
        };
      }
      await this.computeSemanticHashes(key);
      const same = await versionWithMeaning(this.db, key, meaning);
      if (same) {
        // same meaning, other form: the version keeps its number and its cases; its diagram becomes this one
        try {
          await replaceDiagram(this.db, same.id, { xml, hash: result.hash, warnings });
        } catch (error) {
          if (attempt < 3) continue; // another node stored this very XML at the same moment: read again
          throw error;
        }
        return {
          created: false,
          id: same.id,
          key,
          version: same.version,
          name: same.name,
          deployedAt: same.deployed_at,
          warnings,
          diagramUpdated: true,
        };
      }
      const version = (await highestVersion(this.db, key)) + 1;
      const id = `${key}:${version}`;
      const callees = (k: string) => this.latestByKey.get(k)?.graph;
      try {
        await insertVersion(this.db, {
          id,
          key,
          version,
          name: graph.name,
          xml,
          hash: result.hash,
          semantic_hash: meaning,
          static_metrics: staticMetrics(graph, { resolveCalled: callees }),
          warnings,
          deployed_at: now,
        });
      } catch (error) {
        if (attempt < 3) continue; // another node deployed the same key at the same moment: read again
        throw error;
      }
      this.remember({ ...result.definition, id, version });
      return {
        created: true,
        id,
        key,
        version,
        name: graph.name,
        deployedAt: now,
        warnings,
        diagramUpdated: false,
      };
    }
  }

  /**
   * Fills in the semantic hash of the key's versions stored before it existed (or under an older semantic
   * form), from their stored XML with the engine's current parser. A version that no longer compiles keeps
   * none and so is never taken for a new deployment.
   */
  private async computeSemanticHashes(key: string): Promise<void> {
    const rows = await versionsWithoutCurrentMeaning(this.db, key);
    for (const row of rows) {
      const compiled = await compileDefinition(
        row.xml,
        { id: row.id, version: row.version },
        { stored: true },
      );
      if (!compiled.ok) continue;
      await setSemanticHash(this.db, row.id, semanticHash(compiled.definition.graph));
    }
  }
}
