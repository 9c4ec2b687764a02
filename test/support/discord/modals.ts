import type { Interactions } from './interactions.js';
import { ApiError, type EmulatedInteraction } from './model.js';
import type { Serialisers } from './serialise.js';
import type { EmulatorState } from './state.js';

/**
 * Modals (Discord's documented shapes, components reference and "Using modal components"): the MODAL
 * callback (type 9) with a title of at most 45 characters and up to 5 Label components (type 18) each
 * holding one text input (type 4), and the member submitting it: a MODAL_SUBMIT interaction (type 5)
 * whose data carries the modal's custom id and each input's custom id and value.
 */

interface TextInput {
  type: 4;
  custom_id: string;
  style: 1 | 2;
  value?: string;
  placeholder?: string;
  min_length?: number;
  max_length?: number;
  required?: boolean;
}
interface LabelComponent {
  type: 18;
  label: string;
  description?: string;
  component: TextInput;
}
export interface ShownModal {
  custom_id: string;
  title: string;
  components: LabelComponent[];
}

const invalid = (why: string) => new ApiError(400, 50035, `Invalid Form Body (${why})`);

/** Discord's limits on a MODAL callback: a refusal (50035) names the first one broken. */
export function checkModal(data: Record<string, unknown>, interactionType: number | undefined): void {
  if (interactionType === 5 || interactionType === 4)
    throw new ApiError(400, 50035, 'Invalid Form Body (a modal cannot answer this interaction)');
  const modal = data as unknown as ShownModal;
  if (typeof modal.custom_id !== 'string' || modal.custom_id.length === 0 || modal.custom_id.length > 100)
    throw invalid('custom_id: 1–100 characters');
  if (typeof modal.title !== 'string' || modal.title.length === 0 || modal.title.length > 45)
    throw invalid('title: 1–45 characters');
  if (!Array.isArray(modal.components) || modal.components.length < 1 || modal.components.length > 5)
    throw invalid('components: 1–5');
  const ids = new Set<string>();
  for (const label of modal.components) {
    if (label.type !== 18 || !label.component) throw invalid('components: labels with one component');
    if (label.label.length === 0 || label.label.length > 45) throw invalid('label: 1–45 characters');
    const input = label.component;
    if (input.type !== 4) throw invalid('component: a text input');
    if (ids.has(input.custom_id)) throw invalid('custom_id: unique within the modal');
    ids.add(input.custom_id);
    if (input.style !== 1 && input.style !== 2) throw invalid('style: 1 or 2');
    if ((input.value?.length ?? 0) > 4000) throw invalid('value: at most 4000 characters');
    if ((input.placeholder?.length ?? 0) > 100) throw invalid('placeholder: at most 100 characters');
    if (input.max_length !== undefined && (input.max_length < 1 || input.max_length > 4000))
      throw invalid('max_length: 1–4000');
  }
}

export function createModals(
  state: EmulatorState,
  api: Pick<Serialisers, 'apiMessage'>,
  interactionArea: Pick<Interactions, 'createInteraction'>,
) {
  const { interactions, messages } = state;
  const modalOf = (interaction: EmulatedInteraction | undefined): ShownModal | undefined => {
    const callback = interaction?.callbacks.find((candidate) => candidate.type === 9);
    return callback?.data as ShownModal | undefined;
  };
  return {
    helpers: {
      /** The modal the bot showed in answer to an interaction, if it did. */
      shownModal: (handle: { token: string }) => modalOf(interactions.get(handle.token)),

      /**
       * The member submits the modal shown to them: every input keeps its prefilled value unless `values`
       * changes it. Like a forged client, it does not enforce `max_length` or `required`: the bot must.
       */
      submitModal(input: { opened: { token: string }; values?: Record<string, string> }) {
        const opened = interactions.get(input.opened.token);
        const modal = modalOf(opened);
        if (!opened || !modal) throw new Error('no modal was shown for that interaction');
        const components = modal.components.map((label, index) => ({
          type: 18,
          id: index * 2 + 1,
          component: {
            type: 4,
            id: index * 2 + 2,
            custom_id: label.component.custom_id,
            value: input.values?.[label.component.custom_id] ?? label.component.value ?? '',
          },
        }));
        const source = opened.sourceMessageId ? messages.get(opened.sourceMessageId) : undefined;
        return interactionArea.createInteraction(
          { user: opened.userId, name: modal.custom_id, channelId: opened.channelId },
          { custom_id: modal.custom_id, components },
          5,
          source ? { message: api.apiMessage(source) } : {},
        );
      },
    },
  };
}
