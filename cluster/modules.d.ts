// aedes-persistence-redis ships no types: the options we use and the instance Aedes takes.
declare module 'aedes-persistence-redis' {
  import type { Redis } from 'ioredis';
  interface AedesPersistenceRedisOptions {
    conn?: Redis;
    maxSessionDelivery?: number;
  }
  function aedesPersistenceRedis(options?: AedesPersistenceRedisOptions): { destroy(cb?: () => void): void };
  export default aedesPersistenceRedis;
}
