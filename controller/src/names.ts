/**
 * Names in the catalog (agents, stores, sources, destinations, schedules, API clients):
 * letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64
 * characters. One pattern for the API, the scheduler and `controller client-cert`.
 */
export const CATALOG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
