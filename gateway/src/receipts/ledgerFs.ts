import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";

/** The file operations the ledger needs: positional, so reads never race the writer's position. */
export interface LedgerFile {
  /** Current size in bytes. */
  size(): Promise<number>;
  /** Reads up to `length` bytes at `position` into a new buffer (shorter at end of file). */
  read(position: number, length: number): Promise<Buffer>;
  /** Writes `data` at `position`; returns how many bytes the OS took. */
  write(data: Buffer, position: number): Promise<number>;
  /** fsync: returns once written data and the file's size are on stable storage. */
  sync(): Promise<void>;
  /** Cuts the file to `length` bytes. */
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/** How the ledger reaches the disk; injected so tests can count fsyncs or fail writes. */
export interface LedgerFs {
  /** Opens `path` for reading and writing, creating it (and fsyncing its directory) if it does not exist. */
  open(path: string): Promise<{ file: LedgerFile; created: boolean }>;
}

function wrap(handle: FileHandle): LedgerFile {
  return {
    size: async () => (await handle.stat()).size,
    read: async (position, length) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    },
    write: async (data, position) => (await handle.write(data, 0, data.length, position)).bytesWritten,
    sync: () => handle.sync(),
    truncate: (length) => handle.truncate(length),
    close: () => handle.close(),
  };
}

/** fsync a directory so that a file created in it survives a crash. */
async function syncDirectory(path: string): Promise<void> {
  const dir = await open(dirname(path), constants.O_RDONLY);
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** The ledger's file access through node:fs/promises. */
export const nodeLedgerFs: LedgerFs = {
  async open(path) {
    try {
      return { file: wrap(await open(path, "r+")), created: false };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    const handle = await open(path, "wx+", 0o640);
    try {
      await syncDirectory(path);
    } catch (err) {
      await handle.close();
      throw err;
    }
    return { file: wrap(handle), created: true };
  },
};
