/**
 * Framework entrances: decorators by which a framework calls a method
 * without any code naming it (DESIGN §16, "reached without a name").
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";

const { canHaveDecorators, getDecorators, isCallExpression, isIdentifier, isPropertyAccessExpression } = typescript;

// Decorators that register a method as a handler a framework calls: NestJS
// events, schedules, queues, microservices and HTTP routes, TypeORM
// subscribers, and the common message-queue libraries. A decorator that only
// annotates (`@Injectable`, `@Trace`) is not one.
const ENTRANCE_DECORATORS: ReadonlySet<string> = new Set([
  // @nestjs/event-emitter, @nestjs/schedule
  "OnEvent",
  "Cron",
  "Interval",
  "Timeout",
  // @nestjs/bull, @nestjs/bullmq
  "Process",
  "OnQueueEvent",
  "OnQueueActive",
  "OnQueueCompleted",
  "OnQueueFailed",
  "OnWorkerEvent",
  // @nestjs/microservices, NATS, Kafka, RabbitMQ and SQS helpers
  "EventPattern",
  "MessagePattern",
  "Subscribe",
  "RabbitSubscribe",
  "RabbitRPC",
  "SqsMessageHandler",
  "SqsConsumerEventHandler",
  "Consumer",
  "Consume",
  "KafkaListener",
  "Listener",
  "Handler",
  "Processor",
  // HTTP routes (NestJS, routing-controllers, tsoa)
  "Delete",
  "Post",
  "Put",
  "Patch",
  "Get",
  "All",
  // GraphQL resolvers
  "Mutation",
  "Query",
  "Subscription",
  "ResolveField",
  // TypeORM entity listeners
  "AfterRemove",
  "BeforeRemove",
  "AfterInsert",
  "AfterUpdate",
]);

/**
 * The decorators of a declaration by which a framework calls it.
 *
 * @param declaration A method (or any declaration).
 * @returns Each entrance decorator with its name.
 * @example
 * ```ts ignore
 * for (const { decorator } of frameworkDecorators(method)) console.log(`@${decorator}`);
 * ```
 */
export function frameworkDecorators(
  declaration: ts.Node,
): { readonly node: ts.Decorator; readonly decorator: string }[] {
  if (!canHaveDecorators(declaration)) return [];
  const found: { node: ts.Decorator; decorator: string }[] = [];
  for (const decorator of getDecorators(declaration) ?? []) {
    const name = decoratorName(decorator.expression);
    if (name !== undefined && ENTRANCE_DECORATORS.has(name)) found.push({ node: decorator, decorator: name });
  }
  return found;
}

// `@OnEvent("x")`, `@OnEvent`, `@nest.OnEvent("x")`: the decorator's own name.
function decoratorName(expression: ts.Expression): string | undefined {
  const callee = isCallExpression(expression) ? expression.expression : expression;
  if (isIdentifier(callee)) return callee.text;
  if (isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}
