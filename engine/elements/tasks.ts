/** Tasks: pass-through, user and manual (work items for a department), service, script, receive, send. */
import { arriveAtActivity } from './activity.js';
import type { ElementBehaviour } from './behaviour.js';
import { BpmnError } from './context.js';
import { throwError } from './error-escalation.js';
import { sendMessage } from './events.js';

/** `task`: no work of its own; completes as soon as it is entered. */
export const passThroughTask: ElementBehaviour = {
  arrive: (ctx, scope, node) => arriveAtActivity(ctx, scope, node),
  activate: (ctx, instance) => ctx.complete(instance),
};

/** `userTask` and `manualTask`: a work item for the step's department, completed through the API. */
export const humanTask: ElementBehaviour = {
  arrive: (ctx, scope, node) => arriveAtActivity(ctx, scope, node),
  activate(ctx, instance, _scope, node) {
    instance.wait = 'task';
    ctx.emit({
      type: 'taskCreated',
      task: {
        id: instance.id,
        caseId: ctx.state.id,
        elementId: node.id,
        name: node.name,
        type: node.type,
        department: instance.department,
        createdAt: ctx.now,
        dueAt: instance.dueAt,
        form: node.form,
      },
    });
  },
  trigger(ctx, instance, _scope, _node, trigger) {
    if (trigger.kind !== 'task') return;
    ctx.emit({ type: 'taskCompleted', taskId: instance.id, at: ctx.now, variables: trigger.variables });
    ctx.complete(instance, trigger.variables);
  },
};

/** `serviceTask`: runs the handler registered under `gov:handler`; a thrown BpmnError is a BPMN error. */
export const serviceTask: ElementBehaviour = {
  unsupported: (node) =>
    node.handler ? null : `serviceTask '${node.id}' has no gov:handler: name the handler that does its work`,
  arrive: (ctx, scope, node) => arriveAtActivity(ctx, scope, node),
  activate(ctx, instance, scope, node) {
    const handler = ctx.handler(node.handler ?? '');
    if (!handler)
      return ctx.incident(
        node.id,
        `no handler is registered under '${node.handler}' for serviceTask '${node.id}': register it in the server`,
      );
    let result: Record<string, unknown> | undefined;
    try {
      result = handler(ctx.variablesOf(scope, instance), {
        elementId: node.id,
        department: instance.department,
      });
    } catch (error) {
      if (error instanceof BpmnError) {
        throwError(ctx, scope, node, error.code, instance);
        return;
      }
      ctx.incident(node.id, `handler '${node.handler}' of '${node.id}' failed: ${(error as Error).message}`);
    }
    ctx.complete(instance, result ?? {});
  },
};

/** `scriptTask` with `scriptFormat="feel"`: stores the value of the script in `gov:resultVariable`. */
export const scriptTask: ElementBehaviour = {
  unsupported: (node) =>
    (node.scriptFormat ?? '').toLowerCase() === 'feel'
      ? null
      : `scriptTask '${node.id}' has scriptFormat '${node.scriptFormat ?? ''}': only FEEL scripts run (scriptFormat="feel")`,
  arrive: (ctx, scope, node) => arriveAtActivity(ctx, scope, node),
  activate(ctx, instance, scope, node) {
    const value = ctx.evaluate(node.script ?? 'null', scope, instance);
    ctx.complete(instance, node.resultVariable ? { [node.resultVariable]: value } : {});
  },
};

/** `receiveTask`: waits for the message named by its messageRef. */
export const receiveTask: ElementBehaviour = {
  arrive: (ctx, scope, node) => arriveAtActivity(ctx, scope, node),
  activate(ctx, instance, scope, node) {
    instance.wait = 'message';
    const event = node.event?.kind === 'message' ? node.event : { kind: 'message' as const, name: node.id };
    ctx.awaitEvent(instance, scope, node, event);
  },
  trigger(ctx, instance, _scope, _node, trigger) {
    if (trigger.kind === 'message') ctx.complete(instance, trigger.variables);
  },
};

/** `sendTask`: records that the message was sent and moves on (delivery to other systems is the server's). */
export const sendTask: ElementBehaviour = {
  arrive: (ctx, scope, node) => arriveAtActivity(ctx, scope, node),
  activate(ctx, instance, scope, node) {
    sendMessage(ctx, scope, node, node.event?.kind === 'message' ? node.event.name : node.id);
    ctx.complete(instance);
  },
};
