/** The controller's defaults, in one place (documented in README and docs/api.md). */

/** gRPC address for agents and API clients. */
export const DEFAULT_LISTEN = '127.0.0.1:7443';
/** HTTP address for metrics and health. */
export const DEFAULT_HTTP = '127.0.0.1:7480';
/** Enrollment tokens live this long unless `--ttl` says otherwise. */
export const DEFAULT_TOKEN_TTL_S = 3600;
/** Agents send a heartbeat this often. */
export const HEARTBEAT_S = 10;
/** An agent not heard from for this long is considered gone. */
export const AGENT_TIMEOUT_S = 35;
/** Jobs an agent runs at once unless it says otherwise. */
export const DEFAULT_AGENT_MAX_JOBS = 2;
/** Jobs on one store at once unless its max_jobs option says otherwise. */
export const DEFAULT_STORE_MAX_JOBS = 2;
/** A queued job waits this long for its agent. */
export const DEFAULT_JOB_WAIT_S = 24 * 3600;
/** Attempts of backup, verify and forget jobs (restores run once). */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Agent certificates are valid this long. */
export const AGENT_CERT_DAYS = 365;
