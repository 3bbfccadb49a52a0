/**
 * Validation of the fields that decide when a schedule runs: cron or every_seconds (exactly
 * one), timezone, jitter_seconds. Normalizes in place (single-spaced cron, canonical zone
 * name, UTC for an empty zone) and appends one message per problem, naming the field and the
 * fix. Used by validateSchedule only.
 */
import type { Schedule } from '@coffer/shared/gen/coffer/v1/controller.js';
import { cronShortestGapMs, explainCronError } from './cron.js';

/** Interval schedules run at most this often; cron schedules no closer together than this. */
export const MIN_INTERVAL_S = 60;
const CRON_EXAMPLE = "use 5 or 6 fields like '0 3 * * *'";

/** Checks and normalizes cron, timezone, every_seconds and jitter_seconds of `s`. */
export function checkTiming(s: Schedule, problems: string[]): void {
  s.cron = s.cron.trim().split(/\s+/).filter((p) => p !== '').join(' ');
  s.timezone = s.timezone.trim();
  if (!Number.isInteger(s.jitterSeconds) || s.jitterSeconds < 0) {
    problems.push(`jitter_seconds: ${s.jitterSeconds} is not a whole number of seconds >= 0`);
  }
  if (s.cron !== '' && s.everySeconds !== 0) {
    problems.push('cron, every_seconds: give a cron expression or every_seconds, not both');
  } else if (s.cron !== '') {
    checkCron(s, problems);
  } else if (s.everySeconds !== 0) {
    checkInterval(s, problems);
  } else {
    problems.push(`cron: a schedule needs a cron expression (${CRON_EXAMPLE}) or every_seconds (at least ${MIN_INTERVAL_S})`);
  }
}

function checkInterval(s: Schedule, problems: string[]): void {
  if (!Number.isInteger(s.everySeconds) || s.everySeconds < MIN_INTERVAL_S) {
    problems.push(`every_seconds: ${s.everySeconds} is too short; use a whole number of seconds, at least ${MIN_INTERVAL_S}`);
    return;
  }
  if (s.timezone !== '') {
    problems.push(`timezone: an every_seconds schedule has no time zone; remove '${s.timezone}' or use cron`);
  }
  if (s.jitterSeconds > s.everySeconds) {
    problems.push(`jitter_seconds: ${s.jitterSeconds} is larger than the interval; use at most every_seconds (${s.everySeconds})`);
  }
}

function checkCron(s: Schedule, problems: string[]): void {
  const zone = canonicalTimeZone(s.timezone);
  if (zone === undefined) {
    problems.push(`timezone: '${s.timezone}' is not an IANA time zone; use a name like 'Europe/Paris' (empty: UTC)`);
  } else {
    s.timezone = zone;
  }
  let gapMs: number | undefined;
  try {
    gapMs = cronShortestGapMs(s.cron, zone ?? 'UTC');
  } catch (err) {
    problems.push(`cron: '${s.cron}' is not a valid cron expression (${explainCronError(s.cron, err)}); ${CRON_EXAMPLE}`);
    return;
  }
  if (gapMs === undefined) {
    problems.push(`cron: '${s.cron}' never matches a date; ${CRON_EXAMPLE}`);
  } else if (gapMs < MIN_INTERVAL_S * 1000) {
    problems.push(`cron: '${s.cron}' runs ${gapMs / 1000} s apart; a schedule runs at most once a minute (e.g. '* * * * *')`);
  } else if (s.jitterSeconds * 1000 > gapMs) {
    const gap = gapMs / 1000;
    problems.push(`jitter_seconds: ${s.jitterSeconds} is larger than the ${gap} s between runs of '${s.cron}'; use at most ${gap}`);
  }
}

/** The zone's canonical spelling ('UTC' for empty), or undefined when it is not an IANA zone. */
function canonicalTimeZone(zone: string): string | undefined {
  if (zone === '') return 'UTC';
  // Newer ICUs accept offsets such as '+02:00'; a schedule wants a zone with its DST rules.
  if (!/^[A-Za-z]/.test(zone)) return undefined;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === zone.toLowerCase() ? resolved : zone;
  } catch {
    return undefined;
  }
}
