import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { BridgeProvider } from './lib/api';
import { connectBridge } from './lib/bridge';
import './styles.css';

const root = createRoot(document.getElementById('root') as HTMLElement);
void connectBridge().then((bridge) => {
  if ('error' in bridge) {
    root.render(
      <main className="fatal" role="alert">
        <h1>LabBoot</h1>
        <p>{bridge.error}</p>
      </main>,
    );
  } else {
    root.render(
      <StrictMode>
        <BridgeProvider bridge={bridge}>
          <App />
        </BridgeProvider>
      </StrictMode>,
    );
  }
});
