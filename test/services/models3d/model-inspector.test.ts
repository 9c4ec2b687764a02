import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ModelInspector,
  type ModelInspectorOptions,
} from '../../../src/services/models3d/model-inspector.js';
import { eventually } from '../../support/eventually.js';
import { makeGlb } from '../../support/media.js';
import { makeModelGlb } from '../../support/model-mesh.js';

/** A valid GLB whose JSON holds millions of small objects: parsing it needs far more heap than its size. */
function heapHungryGlb(objects: number): Buffer {
  const glb = makeGlb();
  const jsonLength = glb.readUInt32LE(12);
  const json = JSON.parse(glb.subarray(20, 20 + jsonLength).toString());
  json.asset.extras = { junk: Array.from({ length: objects }, (_, i) => ({ i })) };
  const text = JSON.stringify(json);
  const padded = Buffer.from(text.padEnd(Math.ceil(text.length / 4) * 4, ' '));
  const bin = glb.subarray(20 + jsonLength);
  const header = Buffer.alloc(20);
  header.write('glTF', 0);
  header.writeUInt32LE(2, 4);
  header.writeUInt32LE(20 + padded.length + bin.length, 8);
  header.writeUInt32LE(padded.length, 12);
  header.writeUInt32LE(0x4e4f534a, 16);
  return Buffer.concat([header, padded, bin]);
}

describe('model inspector worker', () => {
  let folder: string;
  /** Knots of 8 × radial tubes: each its own triangle count, to tell the answers apart. */
  const knots: Array<{ path: string; triangles: number }> = [];
  const inspectors: ModelInspector[] = [];
  const inspector = (options: Partial<ModelInspectorOptions> = {}) => {
    const made = new ModelInspector({ previewTimeoutMs: 5_000, ...options });
    inspectors.push(made);
    return made;
  };

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'model-inspector-'));
    for (const radial of [3, 4, 5, 6, 7]) {
      const path = join(folder, `knot-${radial}.glb`);
      writeFileSync(path, await makeModelGlb({ tubular: 8, radial, textureSide: 16 }));
      knots.push({ path, triangles: 8 * radial * 2 });
    }
  });
  afterEach(async () => {
    await Promise.all(inspectors.splice(0).map((made) => made.close()));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('reads many models, in parallel and in a row, with one worker, each getting its own facts', async () => {
    const models = inspector();
    const parallel = await Promise.all(
      knots.map(({ path }, index) =>
        models.inspect(path, index % 2 ? { previewPath: join(folder, `parallel-${index}.png`) } : {}),
      ),
    );
    parallel.forEach((inspection, index) => {
      expect(inspection).toMatchObject({ ok: true, facts: { triangles: knots[index]?.triangles } });
      if (index % 2) expect(inspection).toMatchObject({ preview: { ok: true } });
    });
    for (const [index, knot] of knots.slice(0, 3).entries()) {
      const previewPath = join(folder, `row-${index}.png`);
      expect(await models.inspect(knot.path, { previewPath })).toMatchObject({
        ok: true,
        facts: { triangles: knot.triangles },
        preview: { ok: true, path: previewPath },
      });
    }
    expect(models.workersStarted()).toBe(1);
    expect(models.workersRunning()).toBe(1);
  });

  it('with two workers, starts the second only when the first is busy', async () => {
    const models = inspector({ workerCount: 2 });
    for (const knot of knots.slice(0, 2))
      expect(await models.inspect(knot.path)).toMatchObject({
        ok: true,
        facts: { triangles: knot.triangles },
      });
    expect(models.workersStarted()).toBe(1);
    const parallel = await Promise.all(knots.map(({ path }) => models.inspect(path)));
    parallel.forEach((inspection, index) => {
      expect(inspection).toMatchObject({ ok: true, facts: { triangles: knots[index]?.triangles } });
    });
    expect(models.workersStarted()).toBe(2);
  });

  it('skips a preview over its budget, and keeps the worker for the next model', async () => {
    const slow = join(folder, 'knot-slow.glb');
    writeFileSync(slow, await makeModelGlb({ tubular: 256, radial: 16 }));
    const models = inspector({ previewTimeoutMs: 1 });
    expect(await models.inspect(slow, { previewPath: join(folder, 'never.png') })).toMatchObject({
      ok: true,
      facts: { triangles: 8192 },
      preview: { ok: false, reason: 'too_slow' },
    });
    const [knot] = knots;
    expect(await models.inspect(knot?.path ?? '')).toMatchObject({
      ok: true,
      facts: { triangles: knot?.triangles },
    });
    expect(models.workersStarted()).toBe(1);
  });

  it('fails only the model that kills its worker; the next model gets a fresh worker', async () => {
    const hostile = join(folder, 'heap-hungry.glb');
    writeFileSync(hostile, heapHungryGlb(2_000_000));
    // 64 MB loads the worker's modules and reads a knot, not two million parsed objects.
    const models = inspector({ workerHeapMb: 64 });
    const [knot] = knots;
    const [killed, next] = await Promise.all([
      models.inspect(hostile),
      models.inspect(knot?.path ?? ''), // queued behind the hostile model, in the same worker
    ]);
    expect(killed).toEqual({ ok: false, problem: 'unsupported' });
    expect(next).toMatchObject({ ok: true, facts: { triangles: knot?.triangles } });
    expect(models.workersStarted()).toBe(2);
  }, 60_000); // building and parsing two million objects is slow on a busy machine

  it('ends an idle worker, and starts one again when a model comes', async () => {
    const models = inspector({ workerIdleMs: 50 });
    const [knot] = knots;
    expect(await models.inspect(knot?.path ?? '')).toMatchObject({ ok: true });
    await eventually(async () => models.workersRunning() === 0, 5_000, 'the idle worker to end');
    expect(await models.inspect(knot?.path ?? '')).toMatchObject({ ok: true });
    expect(models.workersStarted()).toBe(2);
  });

  it('ends its worker on close(); a model in flight is answered unsupported, a later one is read', async () => {
    const models = inspector();
    const [knot] = knots;
    expect(await models.inspect(knot?.path ?? '')).toMatchObject({ ok: true });
    expect(models.workersRunning()).toBe(1);
    const inFlight = models.inspect(knot?.path ?? '');
    await models.close();
    expect(models.workersRunning()).toBe(0);
    expect(await inFlight).toEqual({ ok: false, problem: 'unsupported' });
    expect(await models.inspect(knot?.path ?? '')).toMatchObject({
      ok: true,
      facts: { triangles: knot?.triangles },
    });
    expect(models.workersStarted()).toBe(2);
  });

  it('does not keep the process alive with its idle worker', async () => {
    // A process that inspects one model and does nothing else: it must end well before the idle end (10 min).
    const inspectorModule = fileURLToPath(
      new URL('../../../src/services/models3d/model-inspector.ts', import.meta.url),
    );
    const script = `
      import { ModelInspector } from ${JSON.stringify(inspectorModule)};
      const models = new ModelInspector({ previewTimeoutMs: 5000, workerIdleMs: 600000 });
      const inspection = await models.inspect(process.argv[1]);
      console.log(JSON.stringify({ ok: inspection.ok, running: models.workersRunning() }));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, knots[0]?.path ?? ''],
      { timeout: 20_000 },
    );
    expect(JSON.parse(stdout)).toEqual({ ok: true, running: 1 });
  });
});
