/** What the benchmark ran on: CPU, cores, memory, OS, file system, Node and tool versions (OpenSSH's too when the SFTP server ran). */
import { cpus, release, totalmem, type as osType } from 'node:os';
import { capture } from './measure.js';
import type { SftpServer } from './sftp-server.js';
import type { Tool, ToolName } from './tools.js';

/** Machine and software description printed with every report. */
export interface MachineInfo {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly ramGiB: number;
  readonly os: string;
  readonly fsType: string;
  readonly node: string;
  readonly versions: Partial<Record<ToolName | 'openssh', string>>;
}

/** Collects machine info; `work` is where stores live (its file-system type is reported). */
export function machineInfo(work: string, tools: readonly Tool[], server: SftpServer | undefined): MachineInfo {
  const list = cpus();
  const versions: Partial<Record<ToolName | 'openssh', string>> = {};
  for (const t of tools) versions[t.name] = t.version();
  versions.restic ??= capture('restic', ['version']) ?? 'not installed';
  if (server !== undefined) versions.openssh = server.version;
  return {
    date: new Date().toISOString(),
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    ramGiB: totalmem() / 2 ** 30,
    os: `${osType()} ${release()}`,
    fsType: capture('stat', ['-f', '-c', '%T', work]) ?? 'unknown',
    node: process.version,
    versions,
  };
}
