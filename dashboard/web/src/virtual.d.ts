declare module 'virtual:vn-map' {
  const data: {
    features: Array<{
      type: 'Feature';
      properties: { id: string; name: string; role: 'vietnam' | 'neighbour' | 'archipelago-area' };
      geometry: { type: 'MultiPolygon'; coordinates: number[][][][] };
    }>;
    labels: Array<{ lat: number; lon: number; text: { vi: string; en: string } }>;
    bounds: [[number, number], [number, number]];
  };
  export default data;
}
