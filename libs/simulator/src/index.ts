export * from './rng';
export * from './market';
export * from './simulator';
export * from './oracle';
export * from './policies';
export * from './scenarios';
