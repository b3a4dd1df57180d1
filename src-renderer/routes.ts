/** The screens of the app shell, in navigation order. */
export const routes = [
  { id: 'images', label: 'Images' },
  { id: 'manifests', label: 'Manifests' },
  { id: 'boot', label: 'Boot server' },
  { id: 'machines', label: 'Machines' },
  { id: 'esxi', label: 'ESXi preview' },
  { id: 'sources', label: 'Sources' },
  { id: 'settings', label: 'Settings' },
] as const;

export type RouteId = (typeof routes)[number]['id'];

/** routeFromHash reads `#/boot` style locations; anything else opens Images. */
export function routeFromHash(hash: string): RouteId {
  const id = hash.replace(/^#\/?/, '').split(/[/?&]/)[0];
  return routes.find((r) => r.id === id)?.id ?? 'images';
}
