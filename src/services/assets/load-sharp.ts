import type Sharp from 'sharp';

let loading: Promise<typeof Sharp> | undefined;

/**
 * sharp, loaded by the first image to decode or encode (a cubemap, a 3D preview), in each thread that needs
 * it. libvips's code and start-up hold 7–12 MB of the bot's memory, and a bot whose 3D results come with
 * Scenario's thumbnails and whose members ask for no cubemap never uses it.
 */
export function loadSharp(): Promise<typeof Sharp> {
  loading ??= import('sharp').then((module) => module.default);
  return loading;
}
