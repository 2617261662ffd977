/**
 * Crash safety: a child process records at known rates and is killed with SIGKILL; `recoverFile` rebuilds the
 * index of the truncated file. Every insertion status published up to one second before the kill must be in
 * the recovered file (checked by content: header stamps and a gap-free counter), never a wall-clock duration.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rosMessagesCodec } from '../src/codecRos.ts';
import { openRecordingFile } from '../src/node/fileIo.ts';
import { recoverFile } from '../src/node/files.ts';

const root = join(import.meta.dirname, '..', '..', '..');

describe('recorder killed with SIGKILL', () => {
  it('loses at most the last second, and the truncated file is recovered with its index rebuilt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cases-crash-'));
    const file = join(dir, 'case.mcap');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'crashChild.ts'), file],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
    });
    await new Promise((r) => setTimeout(r, 2600));
    const killMs = Date.now();
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(existsSync(file)).toBe(true);
    const size = statSync(file).size;

    const codec = rosMessagesCodec();
    await expect(openRecordingFile(file, codec)).rejects.toThrow(/case recover/);

    const out = join(dir, 'recovered.mcap');
    const report = await recoverFile(file, out);
    expect(report.fileBytes).toBe(size);
    expect(report.validBytes).toBeLessThanOrEqual(size);
    expect(report.wasComplete).toBe(false);
    expect(report.messageCount).toBeGreaterThan(100);

    const { recording, close } = await openRecordingFile(out, codec);
    try {
      expect(recording.messageCount).toBe(report.messageCount);
      const statuses = await recording.collect<{
        header: { stamp: { sec: number; nanosec: number } };
        depth_mm: number;
      }>(['/robot/insertion_status']);
      // gap-free from the first message on
      statuses.forEach((m, i) => expect(m.message.depth_mm).toBe(i));
      const lastMs = Math.max(
        ...statuses.map((m) => m.message.header.stamp.sec * 1000 + m.message.header.stamp.nanosec / 1e6),
      );
      // everything published before kill − 1 s is there
      expect(lastMs).toBeGreaterThanOrEqual(killMs - 1000);
      const { entries } = await recording.audit();
      expect(entries[0]).toMatchObject({ seq: 0, action: 'start' });
      expect((await recording.metadata()).get('case')?.case_id).toBe('crash-test');
    } finally {
      await close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
