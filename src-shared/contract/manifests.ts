import { z } from 'zod';
import { defineCall } from './define';

export const manifestPackageSchema = z.object({ package: z.string(), pkgVersion: z.string() });

/** cli.md `manifest search --json` element. */
export const manifestHitSchema = z.object({
  image: z.string(),
  version: z.string(),
  package: z.string(),
  pkgVersion: z.string(),
});

/** cli.md `manifest diff --json`. */
export const manifestDiffSchema = z.object({
  added: z.array(manifestPackageSchema),
  removed: z.array(manifestPackageSchema),
  changed: z.array(z.object({ package: z.string(), from: z.string(), to: z.string() })),
});

/** IMAGE[@VERSION]: `OS/RELEASE/ARCH[/SUBARCH][@VERSION]`. */
const imageRefSchema = z.string().min(1).max(200);

/** Calls that answer from stored squashfs manifests, offline. */
export const manifestsCalls = {
  'manifests.show': defineCall({
    summary: 'Packages of an image version (newest stored when no @VERSION).',
    input: z.object({ image: imageRefSchema }).strict(),
    output: z.object({
      image: z.string(),
      version: z.string(),
      packages: z.array(manifestPackageSchema),
    }),
  }),
  'manifests.search': defineCall({
    summary: 'Packages whose name contains the term, across every stored manifest.',
    input: z.object({ term: z.string().min(1).max(200) }).strict(),
    output: z.array(manifestHitSchema),
  }),
  'manifests.diff': defineCall({
    summary: 'Packages added, removed and changed between two image versions.',
    input: z.object({ a: imageRefSchema, b: imageRefSchema }).strict(),
    output: manifestDiffSchema,
  }),
};

export const manifestsEvents = {};
