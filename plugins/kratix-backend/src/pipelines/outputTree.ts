import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';

export type OutputFailureReason = 'InvalidOutput' | 'OutputTooLarge';

/** The pipeline wrote something we refuse to pass on. */
export class PipelineOutputError extends Error {
  constructor(readonly reason: OutputFailureReason, message: string) {
    super(message);
    this.name = 'PipelineOutputError';
  }
}

export interface OutputLimits {
  /** Total size of all files under `/kratix/output`. */
  maxOutputBytes: number;
  /** Files and directories under `/kratix/output`. */
  maxOutputFiles: number;
}

export const DEFAULT_OUTPUT_LIMITS: OutputLimits = {
  maxOutputBytes: 10 * 1024 * 1024,
  maxOutputFiles: 1000,
};

export interface OutputFile {
  /** POSIX path relative to `/kratix/output`. */
  filepath: string;
  content: string;
}

export interface OutputTree {
  files: OutputFile[];
  /** Top-level directories, including empty ones. */
  topLevelDirs: string[];
}

/**
 * Reads everything under the output directory without ever following a
 * link: the files came from untrusted code, and a symlink to /etc/passwd
 * must not turn into a workload.
 */
export async function readOutputTree(
  root: string,
  limits: OutputLimits,
): Promise<OutputTree> {
  const files: OutputFile[] = [];
  const topLevelDirs: string[] = [];
  let entries = 0;
  let bytes = 0;

  const walk = async (relDir: string): Promise<void> => {
    const names = (await fs.readdir(path.join(root, relDir))).sort();
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      entries += 1;
      if (entries > limits.maxOutputFiles) {
        throw new PipelineOutputError(
          'OutputTooLarge',
          `pipeline output has more than ${limits.maxOutputFiles} files and directories`,
        );
      }
      const stat = await fs.lstat(path.join(root, rel));
      if (stat.isDirectory()) {
        if (!relDir) {
          topLevelDirs.push(name);
        }
        await walk(rel);
      } else if (stat.isFile()) {
        const content = await readRegularFile(
          path.join(root, rel),
          `output path "${rel}"`,
          limits.maxOutputBytes - bytes,
          `pipeline output is larger than ${limits.maxOutputBytes} bytes (limit reached at "${rel}")`,
        );
        bytes += Buffer.byteLength(content);
        files.push({ filepath: rel, content });
      } else {
        throw unsafeEntry(`output path "${rel}"`, stat, '/kratix/output');
      }
    }
  };

  await walk('');
  return { files, topLevelDirs };
}

/** A file of `/kratix/metadata`, undefined when the pipeline wrote none. */
export async function readMetadataFile(
  metadataDir: string,
  name: string,
  maxBytes: number = 1024 * 1024,
): Promise<string | undefined> {
  const file = path.join(metadataDir, name);
  let stat;
  try {
    stat = await fs.lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  const what = `metadata path "${name}"`;
  if (!stat.isFile()) {
    throw unsafeEntry(what, stat, '/kratix/metadata');
  }
  return readRegularFile(
    file,
    what,
    maxBytes,
    `${what} is larger than ${maxBytes} bytes`,
  );
}

/**
 * Opens without following links and checks the opened file itself, so a
 * swap between lstat and open cannot redirect the read; O_NONBLOCK keeps a
 * FIFO swapped in from blocking us.
 */
async function readRegularFile(
  file: string,
  what: string,
  maxBytes: number,
  tooLargeMessage: string,
): Promise<string> {
  let handle;
  try {
    handle = await fs.open(
      file,
      fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new PipelineOutputError(
        'InvalidOutput',
        `${what} is a symbolic link; only regular files are allowed`,
      );
    }
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new PipelineOutputError(
        'InvalidOutput',
        `${what} is not a regular file`,
      );
    }
    if (stat.size > maxBytes) {
      throw new PipelineOutputError('OutputTooLarge', tooLargeMessage);
    }
    const data = await handle.readFile();
    // The size can grow after fstat if something still writes to it.
    if (data.length > maxBytes) {
      throw new PipelineOutputError('OutputTooLarge', tooLargeMessage);
    }
    return data.toString('utf8');
  } finally {
    await handle.close();
  }
}

function unsafeEntry(
  what: string,
  stat: { isSymbolicLink(): boolean },
  contractDir: string,
): PipelineOutputError {
  return new PipelineOutputError(
    'InvalidOutput',
    stat.isSymbolicLink()
      ? `${what} escapes ${contractDir}: symbolic links are not allowed`
      : `${what} is not a regular file or directory`,
  );
}
