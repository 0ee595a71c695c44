/** Every migration, by name in date order: imported statically so bundles and tests see the same list. */
import type { Migration } from 'kysely/migration';
import * as initial from './2026-11-29-001-initial.js';
import * as metricRollups from './2026-11-29-002-metric-rollups.js';
import * as ratings from './2026-11-29-003-ratings.js';
import * as rollupFunctionsPlpgsql from './2026-11-29-004-rollup-functions-plpgsql.js';
import * as rollupQueue from './2026-11-29-005-rollup-queue.js';
import * as jsonDocuments from './2026-11-29-006-json-documents.js';
import * as principalKeys from './2026-11-29-007-principal-keys.js';
import * as timerRetries from './2026-11-29-008-timer-retries.js';
import * as calendarYears from './2026-12-06-calendar-years.js';
import * as definitionSemanticHash from './2026-12-06-definition-semantic-hash.js';
import * as messagesBetweenCases from './2026-12-07-messages-between-cases.js';
import * as caseLinks from './2026-12-08-case-links.js';
import * as people from './2026-12-08-people.js';
import * as publishing from './2026-12-08-publishing.js';
import * as warnings from './2026-12-08-warnings.js';
import * as webhooks from './2026-12-08-webhooks.js';
import * as cheaperRowTriggers from './2026-12-09-cheaper-row-triggers.js';
import * as originalXml from './2026-12-10-original-xml.js';
import * as warningFigures from './2026-12-10-warning-figures.js';
import * as hotCaseUpdates from './2026-12-11-hot-case-updates.js';
import * as webhookEndpointBackoff from './2026-12-12-webhook-endpoint-backoff.js';
import * as webhookClaims from './2026-12-13-webhook-claims.js';
import * as webhookOutboxWrites from './2026-12-14-webhook-outbox-writes.js';
import * as webhookHeldEvents from './2026-12-15-webhook-held-events.js';

export const migrations: Record<string, Migration> = {
  '2026-11-29-001-initial': initial,
  '2026-11-29-002-metric-rollups': metricRollups,
  '2026-11-29-003-ratings': ratings,
  '2026-11-29-004-rollup-functions-plpgsql': rollupFunctionsPlpgsql,
  '2026-11-29-005-rollup-queue': rollupQueue,
  '2026-11-29-006-json-documents': jsonDocuments,
  '2026-11-29-007-principal-keys': principalKeys,
  '2026-11-29-008-timer-retries': timerRetries,
  '2026-12-06-calendar-years': calendarYears,
  '2026-12-06-definition-semantic-hash': definitionSemanticHash,
  '2026-12-07-messages-between-cases': messagesBetweenCases,
  '2026-12-08-case-links': caseLinks,
  '2026-12-08-warnings': warnings,
  '2026-12-08-webhooks': webhooks,
  '2026-12-08-publishing': publishing,
  '2026-12-08-people': people,
  '2026-12-09-cheaper-row-triggers': cheaperRowTriggers,
  '2026-12-10-original-xml': originalXml,
  '2026-12-10-warning-figures': warningFigures,
  '2026-12-11-hot-case-updates': hotCaseUpdates,
  '2026-12-12-webhook-endpoint-backoff': webhookEndpointBackoff,
  '2026-12-13-webhook-claims': webhookClaims,
  '2026-12-14-webhook-outbox-writes': webhookOutboxWrites,
  '2026-12-15-webhook-held-events': webhookHeldEvents,
};
