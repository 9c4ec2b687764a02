import type { NewJobRecord } from '../../src/services/jobs/job-ledger.js';

/** A job record as the pipeline writes it (a Skybox GPT job in one guild), for ledger and log tests. */
export function jobRecordFixture(id: string, patch: Partial<NewJobRecord> = {}): NewJobRecord {
  return {
    id,
    modelId: 'model_scenario-skybox-gpt',
    command: 'skybox gpt',
    body: { prompt: id },
    outputs: 1,
    guildId: '100000000000000001',
    channelId: '100000000000000002',
    userId: '100000000000000003',
    applicationId: '100000000000000004',
    attachmentSizeLimit: 10 * 1024 * 1024,
    state: 'submitted',
    createdAt: 1,
    updatedAt: 1,
    ...patch,
  };
}
