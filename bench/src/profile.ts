/**
 * Dataset size profiles ("full" ≈ 1.3 GB, "small" ≈ 135 MB) and the naming scheme of the
 * files in a dataset. The generator and the 5% modification both derive paths from
 * here, so neither has to list the tree to know what is in it.
 */

const KiB = 1024;
const MiB = 1024 * 1024;

/** One class of same-sized incompressible files. */
export interface RandomClass {
  readonly count: number;
  readonly bytes: number;
}

/** Parameters of the deterministic "5% change". */
export interface ModifySpec {
  /** Log files that get `logBytes` of new lines appended. */
  readonly logs: number;
  readonly logBytes: number;
  /** Small files that get `appendBytes` of random bytes appended. */
  readonly smallAppends: number;
  readonly appendBytes: number;
  /** Largest random files that get 16 bytes overwritten in the middle. */
  readonly bigOverwrites: number;
  /** New random files under new/. */
  readonly newFiles: number;
  readonly newFileBytes: number;
  /** Random bytes inserted at the start of the disk image (shifting all of it). */
  readonly imageShift: number;
  /** CSV files that get `csvAppendBytes` of new rows appended. */
  readonly csvAppends: number;
  readonly csvAppendBytes: number;
  /** Small text files edited in the middle (a line replaced by a longer one). */
  readonly smallEdits: number;
  /** New small text files in the small/ folders. */
  readonly newSmall: number;
}

/** The parts modelled on issue 10's measurement: a disk image, CSV tables, media files. */
export interface IssueParts {
  /** Size of the disk-image-like file (zero runs, repeated 64 KiB blocks, random regions). */
  readonly imageBytes: number;
  readonly csvFiles: number;
  readonly csvBytes: number;
  /** Random "media" files of log-normal sizes adding up to this. */
  readonly mediaBytes: number;
  readonly mediaMedian: number;
  readonly mediaMin: number;
  readonly mediaMax: number;
}

/** Everything that determines a dataset. */
export interface Profile {
  readonly name: 'full' | 'small';
  readonly seed: string;
  /** Random classes, largest first. */
  readonly random: readonly RandomClass[];
  readonly logFiles: number;
  readonly logBytes: number;
  readonly sourceFiles: number;
  readonly sourceMedian: number;
  readonly sourceSigma: number;
  readonly sourceMax: number;
  readonly smallDirs: number;
  readonly smallPerDir: number;
  readonly smallMedian: number;
  readonly smallSigma: number;
  readonly smallMin: number;
  readonly smallMax: number;
  readonly issue: IssueParts;
  readonly modify: ModifySpec;
}

/** The profiles by name. */
export const PROFILES: Readonly<Record<Profile['name'], Profile>> = {
  full: {
    name: 'full',
    seed: 'coffer-bench-full',
    random: [
      { count: 3, bytes: 64 * MiB },
      { count: 4, bytes: 32 * MiB },
      { count: 6, bytes: 16 * MiB },
      { count: 8, bytes: 4 * MiB },
      { count: 16, bytes: 1 * MiB },
      { count: 64, bytes: 256 * KiB },
    ],
    logFiles: 24,
    logBytes: 12 * MiB,
    sourceFiles: 10_000,
    sourceMedian: 4500,
    sourceSigma: 1.1,
    sourceMax: 512 * KiB,
    smallDirs: 100,
    smallPerDir: 200,
    smallMedian: 2500,
    smallSigma: 1.0,
    smallMin: 100,
    smallMax: 16 * KiB,
    issue: { imageBytes: 100 * MiB, csvFiles: 7, csvBytes: 10 * MiB, mediaBytes: 130 * MiB, mediaMedian: 3 * MiB, mediaMin: 256 * KiB, mediaMax: 24 * MiB },
    modify: {
      logs: 10,
      logBytes: 1 * MiB,
      smallAppends: 50,
      appendBytes: 64 * KiB,
      bigOverwrites: 2,
      newFiles: 100,
      newFileBytes: 320 * KiB,
      imageShift: 1000,
      csvAppends: 2,
      csvAppendBytes: 512 * KiB,
      smallEdits: 100,
      newSmall: 50,
    },
  },
  small: {
    name: 'small',
    seed: 'coffer-bench-small',
    random: [
      { count: 1, bytes: 16 * MiB },
      { count: 2, bytes: 8 * MiB },
      { count: 4, bytes: 4 * MiB },
      { count: 8, bytes: 1 * MiB },
      { count: 16, bytes: 256 * KiB },
    ],
    logFiles: 4,
    logBytes: 6 * MiB,
    sourceFiles: 1_000,
    sourceMedian: 4500,
    sourceSigma: 1.1,
    sourceMax: 512 * KiB,
    smallDirs: 10,
    smallPerDir: 200,
    smallMedian: 2500,
    smallSigma: 1.0,
    smallMin: 100,
    smallMax: 16 * KiB,
    issue: { imageBytes: 16 * MiB, csvFiles: 2, csvBytes: 4 * MiB, mediaBytes: 12 * MiB, mediaMedian: 1 * MiB, mediaMin: 128 * KiB, mediaMax: 4 * MiB },
    modify: {
      logs: 2,
      logBytes: 1 * MiB,
      smallAppends: 20,
      appendBytes: 64 * KiB,
      bigOverwrites: 2,
      newFiles: 6,
      newFileBytes: 320 * KiB,
      imageShift: 1000,
      csvAppends: 1,
      csvAppendBytes: 256 * KiB,
      smallEdits: 20,
      newSmall: 10,
    },
  },
};

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function sizeLabel(bytes: number): string {
  return bytes >= MiB ? `${bytes / MiB}m` : `${bytes / KiB}k`;
}

/** random/<size>-<i>.bin */
export function randomPath(cls: RandomClass, i: number): string {
  return `random/${sizeLabel(cls.bytes).padStart(4, '0')}-${pad(i, 2)}.bin`;
}

/** logs/<service>-<i>.log */
export function logPath(i: number): string {
  return `logs/app-${pad(i, 2)}.log`;
}

/** src/pkgNN/modN[/internal]/<i>.ts: 20 packages × 10 modules, every 5th file one level deeper. */
export function sourcePath(i: number): string {
  const dir = `src/pkg${pad(i % 20, 2)}/mod${Math.floor(i / 20) % 10}`;
  return i % 5 === 0 ? `${dir}/internal/f${pad(i, 5)}.ts` : `${dir}/f${pad(i, 5)}.ts`;
}

/** small/dNNN/fNNN.txt (even f) or .bin (odd f). */
export function smallPath(dir: number, file: number): string {
  return `small/d${pad(dir, 3)}/f${pad(file, 3)}.${file % 2 === 0 ? 'txt' : 'bin'}`;
}

/** new/nNNN.bin, created by the modification. */
export function newPath(i: number): string {
  return `new/n${pad(i, 3)}.bin`;
}

/** The disk-image-like file. */
export const IMAGE_PATH = 'images/disk.img';

/** csv/orders-NN.csv */
export function csvPath(i: number): string {
  return `csv/orders-${pad(i, 2)}.csv`;
}

/** media/IMG_NNNN.jpg, or media/VID_NNNN.mp4 for files of 8 MiB and more. */
export function mediaPath(i: number, bytes: number): string {
  return bytes >= 8 * MiB ? `media/VID_${pad(i, 4)}.mp4` : `media/IMG_${pad(i, 4)}.jpg`;
}

/** small/dNNN/addNN.txt: the new small text files of the modification, spread over the folders. */
export function newSmallPath(prof: Profile, i: number): string {
  return `small/d${pad(i % prof.smallDirs, 3)}/add${pad(i, 2)}.txt`;
}
