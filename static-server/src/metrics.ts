/** Prometheus metrics (prom-client), one registry per server instance. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  latency: Histogram<'route'>;
  downloads: Counter<'visibility'>;
}

export function createMetrics(sample: () => { libraries: { public: number; private: number }; builtAt: { public: string | null; private: string | null } }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mdlibs_' });
  const requests = new Counter({ name: 'mdlibs_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'method', 'status'] as const, registers: [registry] });
  const latency = new Histogram({ name: 'mdlibs_http_request_duration_seconds', help: 'Request latency by route', labelNames: ['route'] as const, buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [registry] });
  const downloads = new Counter({ name: 'mdlibs_downloads_total', help: 'Tarball downloads counted (committed to the store)', labelNames: ['visibility'] as const, registers: [registry] });
  new Gauge({
    name: 'mdlibs_libraries', help: 'Libraries in the served trees', labelNames: ['visibility'] as const, registers: [registry],
    collect() {
      const s = sample();
      this.set({ visibility: 'public' }, s.libraries.public);
      this.set({ visibility: 'private' }, s.libraries.private);
    },
  });
  new Gauge({
    name: 'mdlibs_build_age_seconds', help: 'Age of the served build (from build-info.json builtAt)', labelNames: ['tree'] as const, registers: [registry],
    collect() {
      const s = sample();
      for (const tree of ['public', 'private'] as const) {
        const at = s.builtAt[tree];
        if (at) this.set({ tree }, Math.max(0, (Date.now() - Date.parse(at)) / 1000));
      }
    },
  });
  return { registry, requests, latency, downloads };
}
