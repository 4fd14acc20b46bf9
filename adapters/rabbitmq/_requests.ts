// Internal: the requests a RabbitMQ deprovision sends. Only the deprovision
// method of the RabbitMQ deprovisioner calls the destructive ones.

import { backendError, type FailureContext, sleep } from "../_shared/_errors.ts";
import { type ApiAnswer, type ApiRequest, callApi, type ManagementEndpoint } from "./_management_api.ts";

// Pauses before a DELETE that met a concurrent one is sent again.
const RACE_RETRY_PAUSES_MS: readonly number[] = [50, 150, 400];

/**
 * Sends a DELETE that another deprovision of the same tenant may be
 * sending at the same moment. The broker checks that the object exists,
 * then deletes it; when a concurrent request deleted it in between, it
 * answers HTTP 500 with an empty body (its log says `no_such_user`). So a
 * 500 is followed by a look at `owner` (the object whose existence the
 * DELETE depends on): gone means done; still there means the DELETE is sent
 * again, a few times, and then its error stands.
 */
async function deleteRacing(
  endpoint: ManagementEndpoint,
  context: FailureContext,
  request: ApiRequest,
  owner: readonly string[],
): Promise<ApiAnswer> {
  for (let attempt = 0;; attempt++) {
    try {
      return await callApi(endpoint, context, request);
    } catch (err) {
      if ((err as { serverCode?: unknown }).serverCode !== "500") throw err;
      const check = await callApi(endpoint, context, {
        method: "GET",
        segments: owner,
        step: `GET /api/${owner[0]}/{name} after ${request.step} answered HTTP 500`,
        timeoutMs: request.timeoutMs,
      });
      if (check.status === 404) return { status: 404, body: undefined };
      const pause = RACE_RETRY_PAUSES_MS[attempt];
      if (pause === undefined) throw err;
      await sleep(pause);
    }
  }
}

/**
 * `GET /api/whoami`, which must answer 200 before any other answer is
 * believed: a wrong base URL answers 404 to everything, and a 404 would
 * otherwise read as "already gone". It is sent with the connect timeout.
 */
export async function checkApi(
  endpoint: ManagementEndpoint,
  context: FailureContext,
  timeoutMs: number,
): Promise<void> {
  let answer: ApiAnswer;
  try {
    answer = await callApi(endpoint, context, {
      method: "GET",
      segments: ["whoami"],
      step: "GET /api/whoami",
      timeoutMs,
    });
  } catch (err) {
    // Unreachable, unavailable, or the credentials are wrong (401, 403):
    // those say so themselves. Any other status is a wrong base URL.
    const serverCode = (err as { serverCode?: unknown }).serverCode;
    if ((err as { kind?: unknown }).kind !== "failed" || serverCode === "401" || serverCode === "403") throw err;
    throw notTheApi(context, String(serverCode), err);
  }
  if (answer.status !== 200 || typeof (answer.body as { name?: unknown } | undefined)?.name !== "string") {
    throw notTheApi(context, String(answer.status), undefined);
  }
}

function notTheApi(context: FailureContext, status: string, cause: unknown) {
  return backendError(
    "failed",
    context,
    `GET /api/whoami answered HTTP ${status} without a user: 'managementUrl' is not the management API's base (it must not end in /api)`,
    cause,
    { serverCode: status },
  );
}

/** Whether a vhost or user exists: `GET /api/vhosts/{name}` or `GET /api/users/{name}`. Nothing destructive. */
export async function objectExists(
  endpoint: ManagementEndpoint,
  context: FailureContext,
  kind: "vhosts" | "users",
  name: string,
  timeoutMs: number,
): Promise<boolean> {
  const answer = await callApi(endpoint, context, {
    method: "GET",
    segments: [kind, name],
    step: `GET /api/${kind}/{name}`,
    timeoutMs,
  });
  return answer.status !== 404;
}

/**
 * Closes every connection of the user: `DELETE
 * /api/connections/username/{user}`. On a broker without that route (it
 * answers 404 or 405), `GET /api/connections?columns=name,user` and
 * `DELETE /api/connections/{name}` for each of the user's.
 *
 * Closing a connection loses no data, so the drop-guard does not flag it;
 * it is kept inside the sanctioned drop anyway, since it is one step of it.
 *
 * @sanctionedDrop
 */
export async function closeUserConnections(
  endpoint: ManagementEndpoint,
  context: FailureContext,
  user: string,
  timeoutMs: number,
): Promise<void> {
  // A user deleted meanwhile had its connections closed by the broker.
  const byUser = await deleteRacing(endpoint, context, {
    method: "DELETE",
    segments: ["connections", "username", user],
    step: "DELETE /api/connections/username/{user}",
    timeoutMs,
  }, ["users", user]).catch((err: unknown) => {
    if ((err as { serverCode?: unknown }).serverCode === "405") return { status: 405, body: undefined };
    throw err;
  });
  if (byUser.status !== 404 && byUser.status !== 405) return;
  const listed = await callApi(endpoint, context, {
    method: "GET",
    segments: ["connections"],
    query: { columns: "name,user" },
    step: "GET /api/connections",
    timeoutMs,
  });
  const connections = Array.isArray(listed.body) ? listed.body as { name?: unknown; user?: unknown }[] : [];
  for (const connection of connections) {
    if (connection.user !== user || typeof connection.name !== "string") continue;
    await callApi(endpoint, context, {
      method: "DELETE",
      segments: ["connections", connection.name],
      step: "DELETE /api/connections/{name}",
      timeoutMs,
    });
  }
}

/**
 * `DELETE /api/vhosts/{vhost}`: the vhost with its exchanges, queues and
 * messages; its connections are closed by the broker. 404 is already gone,
 * and so is a 500 after which the vhost is gone (a concurrent deprovision
 * deleted it first).
 *
 * @sanctionedDrop
 */
export async function deleteVhost(
  endpoint: ManagementEndpoint,
  context: FailureContext,
  vhost: string,
  timeoutMs: number,
): Promise<void> {
  await deleteRacing(endpoint, context, {
    method: "DELETE",
    segments: ["vhosts", vhost],
    step: "DELETE /api/vhosts/{vhost}",
    timeoutMs,
  }, [
    "vhosts",
    vhost,
  ]);
}

/**
 * `DELETE /api/users/{user}`, with its permissions. 404 is already gone,
 * and so is a 500 after which the user is gone (a concurrent deprovision
 * deleted it first).
 *
 * @sanctionedDrop
 */
export async function deleteUser(
  endpoint: ManagementEndpoint,
  context: FailureContext,
  user: string,
  timeoutMs: number,
): Promise<void> {
  await deleteRacing(endpoint, context, {
    method: "DELETE",
    segments: ["users", user],
    step: "DELETE /api/users/{user}",
    timeoutMs,
  }, ["users", user]);
}
