/** Per-machine boot choices: what a client with a given MAC boots. Pure types. */
import { z } from 'zod';

/** The key of the choice that applies to machines without their own. */
export const DEFAULT_CHOICE_MAC = 'default';

/** What to boot: an image (`OS/RELEASE/ARCH[/SUBARCH]`) or the machine's local disk. */
export const bootChoiceSchema = z.object({
  /** Lower-case colon MAC, or `default` for unknown machines. */
  mac: z.string(),
  action: z.enum(['image', 'local']),
  /** Image spec when action is `image`, e.g. `ubuntu/jammy/amd64`. */
  image: z.string().nullable(),
  /** Hostname handed to the booted system (kernel `ip=` and the cloud-init seed). */
  hostname: z.string().nullable(),
  updatedAt: z.string(),
});
export type BootChoice = z.infer<typeof bootChoiceSchema>;
