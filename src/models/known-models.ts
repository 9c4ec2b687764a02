/** Model ids offered by /generate's autocomplete (scenario-api.md and the unified-endpoint guide). */
export interface KnownModel {
  id: string;
  label: string;
  kind: 'image' | 'panorama' | '3d' | 'video' | 'audio';
}

export const knownModels: readonly KnownModel[] = [
  { id: 'model_scenario-skybox-gpt', label: 'Skybox GPT', kind: 'panorama' },
  { id: 'model_scenario-skybox-flux', label: 'Skybox Flux.1', kind: 'panorama' },
  { id: 'model_openai-gpt-image-2', label: 'GPT Image 2', kind: 'image' },
  { id: 'model_pixal3d', label: 'Pixal3D', kind: '3d' },
  { id: 'model_meshy-txt23d', label: 'Meshy Text to 3D', kind: '3d' },
  { id: 'model_kling-v2-6-t2v-pro', label: 'Kling v2.6 T2V Pro', kind: 'video' },
  { id: 'model_lyria-2', label: 'Google Lyria 2', kind: 'audio' },
  { id: 'model_imagen4-ultra', label: 'Imagen 4 Ultra', kind: 'image' },
];
