/**
 * The live stream: one socket.io connection per page (the session cookie authenticates the
 * handshake), rooms joined by what the current view shows, re-joined after every reconnect,
 * and a reconnect hook so the view can fetch what it missed from the API.
 */
import { io, type Socket } from 'socket.io-client';
import type { AlertsFrame, OverviewFrame, ReadingsFrame, SubscribeAck } from '../../../domain/live';

interface Events {
  overview: (f: OverviewFrame) => void;
  readings: (f: ReadingsFrame) => void;
  alerts: (f: AlertsFrame) => void;
}

export interface Live {
  /** Joins `room` and routes its frames to `on`; returns a function that leaves it. */
  subscribe<E extends keyof Events>(room: string, event: E, on: Events[E]): () => void;
  /** Called after a reconnect (not the first connect): fill the gap from the API. */
  onReconnect(fn: () => void): () => void;
  onStatus(fn: (connected: boolean) => void): () => void;
  close(): void;
}

export function connectLive(): Live {
  const socket: Socket = io({ path: '/socket.io/', transports: ['websocket'], withCredentials: true });
  const rooms = new Map<string, number>();
  const reconnectHooks = new Set<() => void>();
  const statusHooks = new Set<(c: boolean) => void>();
  let connectedBefore = false;

  const join = (room: string) =>
    socket.emit('subscribe', room, (ack: SubscribeAck) => {
      if (!ack.ok) console.error(`live: cannot join ${room}: ${ack.error ?? 'refused'}`);
    });

  socket.on('connect', () => {
    for (const room of rooms.keys()) join(room);
    for (const fn of statusHooks) fn(true);
    if (connectedBefore) for (const fn of reconnectHooks) fn();
    connectedBefore = true;
  });
  socket.on('disconnect', () => {
    for (const fn of statusHooks) fn(false);
  });
  socket.on('connect_error', (err) => {
    console.warn(`live: ${err.message}`);
    for (const fn of statusHooks) fn(false);
  });

  return {
    subscribe(room, event, on) {
      rooms.set(room, (rooms.get(room) ?? 0) + 1);
      if (rooms.get(room) === 1 && socket.connected) join(room);
      socket.on(event, on as never);
      return () => {
        socket.off(event, on as never);
        const n = (rooms.get(room) ?? 1) - 1;
        if (n > 0) rooms.set(room, n);
        else {
          rooms.delete(room);
          if (socket.connected) socket.emit('unsubscribe', room);
        }
      };
    },
    onReconnect(fn) {
      reconnectHooks.add(fn);
      return () => reconnectHooks.delete(fn);
    },
    onStatus(fn) {
      statusHooks.add(fn);
      return () => statusHooks.delete(fn);
    },
    close() {
      socket.close();
    },
  };
}
