// Quantrac nodes for Node-RED. CommonJS (Node-RED loads nodes with require). They reach the
// platform only through the in-process host API in RED.settings.quantrac (automation/host.ts):
// no HTTP back to ourselves, and nothing a flow does can bypass the platform's own rules.
'use strict';

const SEVERITY = { info: 0, warning: 1, critical: 2 };

module.exports = function (RED) {
  const host = () => {
    const h = RED.settings.quantrac;
    if (!h) throw new Error('Quantrac host API missing: these nodes run only inside Quantrac');
    return h;
  };
  const list = (s) => String(s || '').split(',').map((x) => x.trim()).filter(Boolean);
  const actorOf = (node) => {
    const flow = node._flow && node._flow.TYPE === 'flow' ? node._flow : undefined;
    const label = (flow && flow.flow && flow.flow.label) || node.z || 'flow';
    return `node-red:${label}`;
  };

  function QuantracReading(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const stations = new Set(list(config.stations));
    const profiles = new Set(list(config.profiles));
    const metrics = new Set(list(config.metrics));
    const validOnly = config.quality !== 'all';
    const batch = config.output === 'batch';
    let unsubscribe;
    try {
      unsubscribe = host().onReadings(node.id, (readings) => {
        const out = [];
        for (const r of readings) {
          if (stations.size && !stations.has(r.stationId)) continue;
          if (metrics.size && !metrics.has(r.metric)) continue;
          if (validOnly && r.quality !== 'valid') continue;
          const station = host().station(r.stationId);
          if (profiles.size && (!station || !profiles.has(station.profile))) continue;
          out.push({ station: r.stationId, stationName: station ? station.name : r.stationId, profile: station ? station.profile : null, metric: r.metric, ts: new Date(r.ts).toISOString(), value: r.value, quality: r.quality });
        }
        if (out.length === 0) return;
        if (batch) node.send({ topic: 'quantrac/readings', payload: out });
        else for (const r of out) node.send({ topic: `stations/${r.station}/${r.metric}`, payload: r.value, reading: r });
      });
      node.status({ fill: 'green', shape: 'dot', text: 'listening' });
    } catch (err) {
      node.error(err);
    }
    node.on('close', () => unsubscribe && unsubscribe());
  }
  RED.nodes.registerType('quantrac-reading', QuantracReading);

  function QuantracAlert(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const minSeverity = SEVERITY[config.severity] ?? 0;
    const transitions = new Set(list(config.transitions || 'firing,escalated'));
    const stations = new Set(list(config.stations));
    const includeSilenced = config.includeSilenced === true || config.includeSilenced === 'true';
    let unsubscribe;
    try {
      unsubscribe = host().onAlert(node.id, (e) => {
        const a = e.alert;
        if ((SEVERITY[a.severity] ?? 0) < minSeverity) return;
        if (transitions.size && !transitions.has(e.transition)) return;
        if (stations.size && !stations.has(a.stationId)) return;
        if (!e.notify && !includeSilenced) return;
        const station = host().station(a.stationId);
        const rule = host().rule(a.ruleId);
        node.send({
          topic: `alerts/${a.stationId}/${a.ruleId}`,
          payload: {
            id: a.id,
            transition: e.transition,
            state: a.state,
            severity: a.severity,
            station: a.stationId,
            stationName: station ? station.name : a.stationId,
            province: station ? station.province : null,
            rule: a.ruleId,
            ruleName: rule ? rule.name : null,
            metric: rule && rule.metric ? rule.metric : null,
            value: a.value,
            message: a.message,
            silenced: a.silenced,
            openedAt: a.openedAt.toISOString(),
            firingAt: a.firingAt ? a.firingAt.toISOString() : null,
            link: host().alertLink(a.id),
            actor: e.actor,
          },
        });
      });
      node.status({ fill: 'green', shape: 'dot', text: 'listening' });
    } catch (err) {
      node.error(err);
    }
    node.on('close', () => unsubscribe && unsubscribe());
  }
  RED.nodes.registerType('quantrac-alert', QuantracAlert);

  // Bulletins as they are published: one message each, with the renderings as attachments
  // (msg.attachments is what the e-mail node sends) and links to the downloads.
  function QuantracBulletin(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const kinds = new Set(list(config.kinds || 'daily,monthly'));
    const scopes = new Set(list(config.scopes));
    const formats = new Set(list(config.attach === undefined ? 'html,csv,pdf' : config.attach));
    let unsubscribe;
    try {
      unsubscribe = host().onBulletin(node.id, (e) => {
        const b = e.bulletin;
        if (kinds.size && !kinds.has(b.kind)) return;
        if (scopes.size && !scopes.has(b.scope)) return;
        const province = b.scope.startsWith('province:') ? b.scope.slice('province:'.length) : null;
        const slug = (t) => t.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
        const base = `quantrac-bulletin-${b.kind}-${e.period}-${province === null ? 'all' : slug(province)}`;
        const attachments = [];
        if (formats.has('html')) attachments.push({ filename: `${base}.html`, content: e.html, contentType: 'text/html; charset=utf-8' });
        if (formats.has('csv')) attachments.push({ filename: `${base}.csv`, content: e.csv, contentType: 'text/csv; charset=utf-8' });
        if (formats.has('pdf') && e.pdf) attachments.push({ filename: `${base}.pdf`, content: e.pdf, contentType: 'application/pdf' });
        node.send({
          topic: `bulletins/${b.kind}/${e.period}/${b.scope}`,
          payload: {
            id: b.id,
            kind: b.kind,
            period: e.period,
            scope: b.scope,
            province,
            generatedAt: b.generatedAt.toISOString(),
            trigger: e.trigger,
            summary: b.summary,
            links: { html: host().bulletinLink(b.id, 'html'), csv: host().bulletinLink(b.id, 'csv'), pdf: e.pdf ? host().bulletinLink(b.id, 'pdf') : null },
          },
          attachments,
        });
        node.status({ fill: 'green', shape: 'dot', text: `${b.kind} ${e.period}` });
      });
      node.status({ fill: 'green', shape: 'dot', text: 'listening' });
    } catch (err) {
      node.error(err);
    }
    node.on('close', () => unsubscribe && unsubscribe());
  }
  RED.nodes.registerType('quantrac-bulletin', QuantracBulletin);

  function QuantracAlertAction(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    node.on('input', (msg, send, done) => {
      const action = msg.action || config.action || 'acknowledge';
      const id = Number(msg.alertId ?? (msg.payload && msg.payload.id));
      const text = String(msg.comment || config.comment || `${action} by flow`);
      const actor = actorOf(node);
      let op;
      try {
        if (action === 'acknowledge') op = host().acknowledge(id, actor, text);
        else if (action === 'resolve') op = host().resolve(id, actor, text);
        else if (action === 'silence') {
          const p = msg.payload || {};
          op = host().silence({ station: msg.station || p.station || config.station || undefined, rule: msg.rule || p.rule || config.rule || undefined, minutes: Number(msg.minutes || config.minutes || 60), comment: text, actor });
        } else throw new Error(`unknown action ${action}`);
      } catch (err) {
        done(err);
        return;
      }
      Promise.resolve(op).then(
        (result) => {
          node.status({ fill: 'green', shape: 'dot', text: `${action} ${id || ''}`.trim() });
          send({ ...msg, payload: result });
          done();
        },
        (err) => {
          node.status({ fill: 'red', shape: 'ring', text: String(err.message || err) });
          done(err);
        },
      );
    });
  }
  RED.nodes.registerType('quantrac-alert-action', QuantracAlertAction);

  function QuantracQuery(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    node.on('input', (msg, send, done) => {
      const mode = msg.mode || config.mode || 'raw';
      let op;
      try {
        if (mode === 'completeness') {
          const day = msg.day || config.day || new Date(Date.now() + 7 * 3600e3 - 24 * 3600e3).toISOString().slice(0, 10);
          op = host().completeness(day).then((rows) => ({ day, rows }));
        } else {
          const hours = Number(msg.hours || config.hours || 24);
          const to = msg.to ? new Date(msg.to) : new Date();
          const from = msg.from ? new Date(msg.from) : new Date(to.getTime() - hours * 3600e3);
          op = host().query({ station: msg.station || config.station, metric: msg.metric || config.metric || undefined, from, to, aggregate: mode === 'hourly' ? 'hourly' : 'raw' });
        }
      } catch (err) {
        done(err);
        return;
      }
      op.then(
        (payload) => {
          send({ ...msg, payload });
          done();
        },
        (err) => done(err),
      );
    });
  }
  RED.nodes.registerType('quantrac-query', QuantracQuery);

  function QuantracCommand(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    node.on('input', (msg, send, done) => {
      const station = msg.station || config.station;
      let command;
      try {
        command = msg.payload && typeof msg.payload === 'object' ? msg.payload : JSON.parse(config.command || '{}');
      } catch (err) {
        done(new Error(`command is not valid JSON: ${err.message}`));
        return;
      }
      host().command(station, command).then(
        () => {
          node.status({ fill: 'green', shape: 'dot', text: `sent to ${station}` });
          send(msg);
          done();
        },
        (err) => done(err),
      );
    });
  }
  RED.nodes.registerType('quantrac-command', QuantracCommand);
};
