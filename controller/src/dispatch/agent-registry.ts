/**
 * The agents connected right now: their channel and what they declared in Hello.
 * A second connection of the same agent replaces the first (which is closed).
 */
import type { AgentChannel } from './transport.js';

/** A connected agent. */
export interface LiveAgent {
  readonly channel: AgentChannel;
  readonly agentId: string;
  readonly agentName: string;
  labels: Record<string, string>;
  maxJobs: number;
  localStores: ReadonlySet<string>;
  /** Whether its Hello arrived (jobs are sent only after it). */
  ready: boolean;
  /**
   * Jobs it named in Hello that the controller had queued again meanwhile: their result
   * from the earlier attempt is awaited (it may be a late success) before they are sent
   * to this agent again.
   */
  readonly unsettled: Set<string>;
  connectedMs: number;
  /** When it last sent anything (heartbeats included). */
  lastMessageMs: number;
}

/** Connected agents by id. */
export class AgentRegistry {
  private readonly live = new Map<string, LiveAgent>();

  /** Registers a new channel; closes and returns an older one of the same agent. */
  attach(channel: AgentChannel, nowMs: number): LiveAgent | undefined {
    const old = this.live.get(channel.agentId);
    this.live.set(channel.agentId, { channel, agentId: channel.agentId, agentName: channel.agentName, labels: {}, maxJobs: 0, localStores: new Set(), ready: false, unsettled: new Set(), connectedMs: nowMs, lastMessageMs: nowMs });
    if (old) old.channel.close('replaced by a newer connection of the same agent');
    return old;
  }

  /** Forgets `channel` if it is still the agent's current one; true when it was. */
  detach(channel: AgentChannel): boolean {
    const cur = this.live.get(channel.agentId);
    if (cur?.channel !== channel) return false;
    this.live.delete(channel.agentId);
    return true;
  }

  get(agentId: string): LiveAgent | undefined {
    return this.live.get(agentId);
  }

  /** Current entry of `channel`, if it is still current. */
  of(channel: AgentChannel): LiveAgent | undefined {
    const cur = this.live.get(channel.agentId);
    return cur?.channel === channel ? cur : undefined;
  }

  isConnected(agentId: string): boolean {
    return this.live.has(agentId);
  }

  /** The connected agent with this name. */
  byName(name: string): LiveAgent | undefined {
    for (const a of this.live.values()) if (a.agentName === name) return a;
    return undefined;
  }

  all(): LiveAgent[] {
    return [...this.live.values()];
  }

  get size(): number {
    return this.live.size;
  }
}

/** Whether `labels` satisfy a selector like "site=paris,net=dmz" (empty: everything). */
export function matchesSelector(labels: Readonly<Record<string, string>>, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .every((p) => {
      const [k, v] = p.split('=', 2);
      return k !== undefined && labels[k.trim()] === (v ?? '').trim();
    });
}
