/**
 * Boot-config templates use `{{name}}` placeholders and nothing else, so a template file reads like
 * the config it produces. Pure. An unknown placeholder is a bug in the template, never silently empty.
 */

/** Values for a template. */
export type TemplateValues = Readonly<Record<string, string>>;

/** Replaces every `{{name}}` in `template`; throws when a name has no value. */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    return value;
  });
}
