import { defineCollection, z } from 'astro:content';
import { docsLoader } from '@astrojs/starlight/loaders';
import { docsSchema } from '@astrojs/starlight/schema';

export const collections = {
  docs: defineCollection({
    loader: docsLoader(),
    schema: docsSchema({
      extend: z.object({
        /** Exercise id (a folder under /exercises) that this page states, e.g. `vdev-lifetime`. */
        exercise: z.string().optional(),
      }),
    }),
  }),
};
