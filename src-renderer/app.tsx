import { useEffect, useState } from 'react';
import { routeFromHash, routes, type RouteId } from './routes';
import { StatusBar } from './components/status-bar';
import { ImagesScreen } from './screens/images';
import { ManifestsScreen } from './screens/manifests';
import { BootServerScreen } from './screens/boot-server';
import { MachinesScreen } from './screens/machines';
import { EsxiScreen } from './screens/esxi';
import { SourcesScreen } from './screens/sources';
import { SettingsScreen } from './screens/settings';
import { BootLogProvider } from './lib/boot-log';

/** App is the shell: navigation on the left, the current screen, and the status bar. */
export function App() {
  const [route, setRoute] = useState<RouteId>(() => routeFromHash(window.location.hash));
  useEffect(() => {
    const onHash = (): void => setRoute(routeFromHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const current = routes.find((r) => r.id === route) ?? routes[0];

  return (
    <BootLogProvider>
      <div className="shell">
        <nav className="sidebar" aria-label="Main">
          <div className="brand">
            <img className="brand-mark" src="./favicon.svg" alt="" width="22" height="22" />
            LabBoot
          </div>
          <ul>
            {routes.map((r) => (
              <li key={r.id}>
                <a href={`#/${r.id}`} aria-current={r.id === route ? 'page' : undefined}>
                  {r.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main className="content" aria-labelledby="screen-title">
          <h1 id="screen-title">{current.label}</h1>
          {route === 'images' && <ImagesScreen />}
          {route === 'manifests' && <ManifestsScreen />}
          {route === 'boot' && <BootServerScreen />}
          {route === 'machines' && <MachinesScreen />}
          {route === 'esxi' && <EsxiScreen />}
          {route === 'sources' && <SourcesScreen />}
          {route === 'settings' && <SettingsScreen />}
        </main>
        <StatusBar />
      </div>
    </BootLogProvider>
  );
}
