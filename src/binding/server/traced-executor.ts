/** The executor run as a span (gen-ai `invoke_agent`), so what the agent calls out to is its child. */
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { ATTR, SpanKind, endSpan, startSpan, tracingOn, withSpan } from '../../core/telemetry.js';

export function tracedExecutor(executor: AgentExecutor, agentName: string): AgentExecutor {
  return {
    execute: async (rc: RequestContext, bus: ExecutionEventBus) => {
      if (!tracingOn()) return executor.execute(rc, bus);
      const span = startSpan(`invoke_agent ${agentName}`, SpanKind.INTERNAL, {
        [ATTR.genAiOperation]: 'invoke_agent',
        [ATTR.genAiAgentName]: agentName,
        [ATTR.a2aTaskId]: rc.taskId,
        [ATTR.genAiConversationId]: rc.contextId,
      });
      try {
        await withSpan(span, () => executor.execute(rc, bus));
        endSpan(span);
      } catch (err) {
        endSpan(span, err);
        throw err;
      }
    },
    cancelTask: (taskId: string, bus: ExecutionEventBus) => executor.cancelTask(taskId, bus),
  };
}
