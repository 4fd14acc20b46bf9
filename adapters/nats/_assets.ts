// Internal: listing a server's streams, and deleting a set of them: their
// consumers first, then the streams, KV buckets and object stores. Each
// delete that finds its target gone (another drop, an operator) is noted as
// a race, never an error: what decides the outcome is the re-list after.

import type { JetStreamManager } from "@nats-io/jetstream";
import type { BackendError } from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { apiErrorCode, CONSUMER_NOT_FOUND, STREAM_NOT_FOUND } from "./_connection.ts";
import { type AssetKind, assetOf, KIND_ORDER } from "./_names.ts";

/** One stream as listed, with what the tenant model reads from it. */
export interface StreamEntry {
  readonly name: string;
  readonly kind: AssetKind;
  readonly description: string | undefined;
  /** The subjects it captures; empty for a mirror or a sourced stream. */
  readonly subjects: readonly string[];
}

/** Every stream of the account, from `$JS.API.STREAM.LIST` (256 a page, with their configs). */
export async function listStreams(jsm: JetStreamManager): Promise<StreamEntry[]> {
  const streams: StreamEntry[] = [];
  for await (const info of jsm.streams.list()) {
    // Entries of streams deleted while the page was built can come back empty.
    if (info?.config?.name === undefined) continue;
    streams.push({
      name: info.config.name,
      kind: assetOf(info.config.name).kind,
      description: info.config.description,
      subjects: info.config.subjects ?? [],
    });
  }
  return streams;
}

/** Whether `err` is JetStream's "not found" for a stream or a consumer. */
function notFound(err: unknown): boolean {
  const code = apiErrorCode(err);
  return code === STREAM_NOT_FOUND || code === CONSUMER_NOT_FOUND;
}

/**
 * Deletes the consumers of each stream, then the streams in kind order
 * (streams, KV buckets, object stores). `raced` collects each step whose
 * target was already gone.
 *
 * @sanctionedDrop
 */
export async function deleteStreams(
  jsm: JetStreamManager,
  streams: readonly StreamEntry[],
  step: (name: string) => void,
  raced: string[],
): Promise<void> {
  for (const stream of streams) {
    step(`listing the consumers of ${stream.name}`);
    const consumers: string[] = [];
    try {
      // nats-server 2.9 returns null entries for consumers (or streams)
      // deleted while it builds the page: skip them.
      for await (const info of jsm.consumers.list(stream.name)) {
        if (typeof info?.name === "string") consumers.push(info.name);
      }
    } catch (err) {
      if (!notFound(err)) throw err;
      raced.push(`listing the consumers of ${stream.name}`);
      continue;
    }
    for (const consumer of consumers) {
      step(`deleting the consumer ${consumer} of ${stream.name}`);
      try {
        await jsm.consumers.delete(stream.name, consumer);
      } catch (err) {
        if (!notFound(err)) throw err;
        raced.push(`deleting the consumer ${consumer} of ${stream.name}`);
      }
    }
  }
  for (const kind of KIND_ORDER) {
    for (const stream of streams) {
      if (stream.kind !== kind) continue;
      step(`deleting the stream ${stream.name}`);
      try {
        await jsm.streams.delete(stream.name);
      } catch (err) {
        if (!notFound(err)) throw err;
        raced.push(`deleting the stream ${stream.name}`);
      }
    }
  }
}

/** Lists the names for a message, at most five of them. */
export function shownNames(names: readonly string[]): string {
  const shown = names.slice(0, 5).map((name) => JSON.stringify(name)).join(", ");
  return names.length > 5 ? `${shown}, and ${names.length - 5} more` : shown;
}

/**
 * The error of a drop whose re-list still finds streams: it names them and
 * the steps that raced (found their target already gone), so that an
 * operator sees who else was deleting.
 */
export function leftOverError(
  context: FailureContext,
  left: readonly StreamEntry[],
  raced: readonly string[],
): BackendError {
  const races = raced.length === 0
    ? "; no step raced another deletion"
    : `; these steps found their target already gone (another deletion raced them): ${raced.slice(0, 5).join("; ")}`;
  return backendError(
    "failed",
    context,
    `its streams ${shownNames(left.map((s) => s.name))} are still there after the drop${races}`,
    undefined,
  );
}
