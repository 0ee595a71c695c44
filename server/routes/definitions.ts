/** Deploying and reading process definitions (designer). */
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../plugins/auth.js';
import { sayNotDeployed, sayNoVersion } from '../problem-text.js';
import { Problem } from '../problems.js';
import type { DefinitionSummary } from '../store/definition-store.js';
import { describedChangesSchema, versionParams } from './metrics-schemas.js';
import { findingSchema, problemResponses } from './schemas.js';
import { typed } from './typed.js';

const deployedProcessProperties = {
  created: { type: 'boolean' },
  id: { type: 'string' },
  key: { type: 'string' },
  version: { type: 'integer' },
  name: { type: ['string', 'null'] },
  deployedAt: { type: 'string', format: 'date-time' },
  diagramUpdated: { type: 'boolean' },
  published: {
    type: 'boolean',
    description:
      'this deployment published the version (the first version of a new key); otherwise a new version is a draft until published',
  },
} as const;

const messageFlowEndSchema = {
  type: 'object',
  properties: {
    process: { type: ['string', 'null'] },
    participant: { type: ['string', 'null'] },
    element: { type: ['string', 'null'] },
  },
} as const;

const valueSchema = {
  description: 'a string, number, boolean, list of names, or null when absent',
  type: ['string', 'number', 'boolean', 'array', 'null'],
  items: { type: 'string' },
} as const;

/** The versions' diff (engine/model/version-diff.ts). */
const versionDiffSchema = {
  type: 'object',
  required: ['key', 'version', 'against', 'elements', 'layoutChanged', 'metrics'],
  properties: {
    key: { type: 'string' },
    version: { type: 'integer' },
    against: { type: 'integer', description: 'the version compared against' },
    elements: {
      type: 'array',
      items: {
        type: 'object',
        required: ['elementId', 'name', 'type', 'change', 'attributes'],
        properties: {
          elementId: { type: 'string' },
          name: { type: ['string', 'null'] },
          type: { type: 'string', description: 'the BPMN type without prefix, e.g. UserTask' },
          change: { type: 'string', enum: ['added', 'removed', 'changed'] },
          attributes: {
            type: 'array',
            items: {
              type: 'object',
              required: ['attribute', 'label', 'before', 'after'],
              properties: {
                attribute: { type: 'string' },
                label: { type: 'string', description: '中文 / English' },
                before: valueSchema,
                after: valueSchema,
                added: { type: 'array', items: { type: 'string' } },
                removed: { type: 'array', items: { type: 'string' } },
              },
            },
          },
        },
      },
    },
    layoutChanged: {
      type: 'array',
      items: { type: 'string' },
      description: 'ids of elements whose diagram shape or path changed while their meaning did not',
    },
    metrics: describedChangesSchema,
  },
} as const;

/** The file's first process at the top; every executable process of the file (a collaboration) in `processes`. */
const deployedSchema = {
  type: 'object',
  properties: {
    ...deployedProcessProperties,
    warnings: { type: 'array', items: findingSchema },
    diagramLaidOut: { type: 'boolean' },
    processes: { type: 'array', items: { type: 'object', properties: deployedProcessProperties } },
    messageFlows: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          name: { type: ['string', 'null'] },
          source: messageFlowEndSchema,
          target: messageFlowEndSchema,
          message: { type: ['string', 'null'] },
        },
      },
    },
  },
} as const;

const versionSummarySchema = {
  type: 'object',
  required: ['version', 'id', 'deployedAt', 'status'],
  properties: {
    version: { type: 'integer' },
    id: { type: 'string' },
    deployedAt: { type: 'string' },
    name: { type: ['string', 'null'] },
    status: {
      type: 'string',
      enum: ['draft', 'published', 'retired'],
      description:
        'draft: never in force (草稿); published: the version new cases start on (已发布); retired: in force before, no longer (已停用)',
    },
    effectiveAt: {
      type: ['string', 'null'],
      description: 'published or retired: when it (last) took effect',
    },
    scheduledAt: {
      type: ['string', 'null'],
      description: 'a publication of it that takes effect later (生效时间 in the future)',
    },
  },
} as const;

/** A process with its versions' status and the version in force. */
const definitionSummarySchema = {
  type: 'object',
  required: ['key', 'inForce', 'versions'],
  properties: {
    key: { type: 'string' },
    name: { type: ['string', 'null'] },
    inForce: {
      type: ['integer', 'null'],
      description: 'the version new cases start on (null: none published)',
    },
    inForceSince: { type: ['string', 'null'] },
    versions: { type: 'array', items: versionSummarySchema },
  },
} as const;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function summaryJson(summary: DefinitionSummary) {
  return {
    ...summary,
    inForceSince: iso(summary.inForceSince),
    versions: summary.versions.map((v) => ({
      ...v,
      deployedAt: v.deployedAt.toISOString(),
      effectiveAt: iso(v.effectiveAt),
      scheduledAt: iso(v.scheduledAt),
    })),
  };
}

/** Whether the prolog (what precedes the root element: declaration, comments, processing instructions) has a DOCTYPE. */
function prologHasDoctype(xml: string): boolean {
  let i = 0;
  for (;;) {
    while (i < xml.length && /\s|\ufeff/.test(xml[i])) i++;
    if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i + 2);
      if (end < 0) return false;
      i = end + 2;
    } else if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end < 0) return false;
      i = end + 3;
    } else {
      return /^<!DOCTYPE/i.test(xml.slice(i, i + 9));
    }
  }
}

/** XML that declares a DOCTYPE or entities is refused outright: no entity expansion, no external fetches. */
function refuseDoctype(xml: string): void {
  if (prologHasDoctype(xml) || /<!DOCTYPE/i.test(xml.slice(0, 64 * 1024)) || /<!ENTITY/i.test(xml)) {
    throw new Problem(400, 'doctype-refused', 'DOCTYPE and entities are not accepted', {
      zh: 'BPMN 文件声明了 DOCTYPE 或实体：请删除 <!DOCTYPE …> 声明（BPMN 不需要它）',
      en: 'the BPMN document declares a DOCTYPE or entities: remove the <!DOCTYPE …> declaration (BPMN needs none)',
    });
  }
}

export async function definitionRoutes(
  instance: FastifyInstance,
  options: { maxBpmnBytes: number },
): Promise<void> {
  const app = typed(instance);
  const { definitions, metrics, cases } = app.reflow;
  const now = () => new Date(cases.now());
  const parseXml = (_req: unknown, body: string, done: (err: Error | null, body?: unknown) => void) =>
    done(null, body);
  app.addContentTypeParser(
    ['application/xml', 'text/xml', 'application/bpmn+xml'],
    { parseAs: 'string', bodyLimit: options.maxBpmnBytes },
    parseXml,
  );

  app.post(
    '/api/definitions',
    {
      bodyLimit: options.maxBpmnBytes,
      config: { roles: ['designer'] },
      preValidation: async (request) => {
        if (!/xml/i.test(request.headers['content-type'] ?? '')) {
          throw new Problem(415, 'unsupported-media-type', 'Unsupported media type', {
            zh: '请以 XML 发送 BPMN 文件（Content-Type: application/xml）',
            en: 'send the BPMN document as XML with Content-Type: application/xml',
          });
        }
      },
      schema: {
        tags: ['definitions'],
        summary: '部署流程定义 / deploy a BPMN definition',
        description:
          "Body: BPMN 2.0 XML (Content-Type: application/xml). A file with several executable processes (a collaboration: one pool per process) deploys as one unit, each process as its own key with its own version (listed in processes; the top-level fields are the first process's); message flows between the pools are listed in messageFlows. 201 when any process got a new version, 200 when a version with the same meaning is already deployed (same content, or only layout, attribute defaults, element order, whitespace or namespace prefixes differ: then diagramUpdated is true and the stored diagram of that version is replaced by this one), 422 with every finding when the definition cannot run. A single-process file without diagram interchange (layout) is laid out automatically (bpmn-auto-layout): the laid-out XML is stored as the version's diagram, diagramLaidOut is true and a warning diagram-laid-out says so; a collaboration without layout is stored as sent with a warning diagram-not-laid-out.",
        body: { type: 'string', minLength: 1 },
        response: { 200: deployedSchema, 201: deployedSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const xml = request.body;
      refuseDoctype(xml);
      const result = await definitions.deploy(xml, now(), { actor: principalOf(request).name });
      reply.status(result.processes.some((p) => p.created) ? 201 : 200);
      return {
        ...result,
        deployedAt: result.deployedAt.toISOString(),
        processes: result.processes.map((p) => ({ ...p, deployedAt: p.deployedAt.toISOString() })),
      };
    },
  );

  app.get(
    '/api/definitions',
    {
      config: { roles: 'any' },
      schema: {
        tags: ['definitions'],
        summary: '流程定义列表 / list definitions and their versions',
        description:
          'Each process with its versions, each version with its status (draft 草稿, published 已发布, retired 已停用) by the server clock, and `inForce`: the version a case started without `version` runs.',
        response: {
          200: { type: 'array', items: definitionSummarySchema },
          ...problemResponses,
        },
      },
    },
    async () => (await definitions.summaries(now())).map(summaryJson),
  );

  app.post(
    '/api/definitions/:key/versions/:version/publish',
    {
      config: { roles: ['publisher'] },
      schema: {
        tags: ['definitions'],
        summary: '发布版本 / publish a version: new cases start on it',
        description:
          'This version becomes the one new cases start on, from `effectiveAt` (生效时间; absent or not in the future: now). The version in force before it is retired for new cases; running cases stay on theirs. Rolling back is publishing an older version. Recorded in the system audit log (who, when, from which version to which), checked by audit verification. A scheduled publication needs no timer: the version is resolved when a case starts. Publishing the version already in force does nothing. 200 with the process summary; 404 for an unknown key or version.',
        params: versionParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            effectiveAt: {
              type: 'string',
              format: 'date-time',
              description: '生效时间: when new cases start on it (default: now)',
            },
          },
        },
        response: {
          200: {
            ...definitionSummarySchema,
            properties: {
              ...definitionSummarySchema.properties,
              version: { type: 'integer', description: 'the version published' },
              status: {
                type: 'string',
                enum: ['draft', 'published', 'retired'],
                description:
                  "the published version's status now: published, or draft/retired until a future effectiveAt",
              },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { key, version } = request.params;
      const body = (request.body ?? {}) as { effectiveAt?: string };
      const at = now();
      await definitions.publish(key, version, {
        now: at,
        effectiveAt: body.effectiveAt === undefined ? undefined : new Date(body.effectiveAt),
        actor: principalOf(request).name,
      });
      const summary = await definitions.summary(key, at);
      if (!summary) throw new Problem(404, 'not-found', 'Not found', sayNotDeployed(key));
      const status = summary.versions.find((v) => v.version === version)?.status ?? 'draft';
      return { ...summaryJson(summary), version, status };
    },
  );

  app.get(
    '/api/definitions/:key/versions/:version',
    {
      config: { roles: 'any' },
      schema: {
        tags: ['definitions'],
        summary: '流程定义的一个版本 / one version: XML and static metrics',
        params: versionParams,
        response: {
          200: {
            type: 'object',
            properties: {
              ...deployedSchema.properties,
              xml: { type: 'string' },
              originalXml: {
                type: ['string', 'null'],
                description:
                  '部署时的原始文件（仅当该文件没有布局、xml 为自动排版后的文件时）/ the file as deployed, when it had no layout and xml is it laid out; else null',
              },
              metrics: { type: 'object', additionalProperties: true },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { key, version } = request.params;
      const row = await definitions.stored(key, version);
      if (!row) throw new Problem(404, 'not-found', 'Not found', sayNoVersion(key, version));
      return {
        id: row.id,
        key: row.key,
        version: row.version,
        name: row.name,
        deployedAt: row.deployed_at.toISOString(),
        xml: row.xml,
        originalXml: row.original_xml,
        metrics: row.static_metrics,
        warnings: row.warnings,
      };
    },
  );

  app.get(
    '/api/definitions/:key/versions/:version/diff',
    {
      config: { roles: 'any' },
      schema: {
        tags: ['definitions'],
        summary: '版本差异 / what a version changes against another',
        description:
          'Element and attribute changes of `version` against `against` (default: the version in force — published — or, when that is `version` itself or none is, the newest version before `version`): per element `change` added, removed or changed with each attribute before and after under a Chinese-then-English label (承诺时限, 部门, 条件, rewired flows, materials added/removed, forms, …); elements whose diagram only moved are in `layoutChanged`; `metrics` is the change of every static figure (as in the compare route). 404 for an unknown version, 400 when `against` equals `version` or there is no earlier version.',
        params: versionParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            against: {
              type: 'integer',
              minimum: 1,
              description:
                'the version to compare against; default: the version in force, else the newest version before `version`',
            },
          },
        },
        response: { 200: versionDiffSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { key, version } = request.params;
      let against = request.query.against;
      if (against === undefined) {
        const inForce = (await definitions.summary(key, now()))?.inForce;
        if (inForce !== null && inForce !== undefined && inForce !== version) against = inForce;
      }
      return metrics.versionDiff(key, version, against);
    },
  );
}
