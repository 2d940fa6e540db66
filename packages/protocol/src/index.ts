export * from './channel-pattern.ts';
export * from './close-codes.ts';
export * from './cursor.ts';
export * from './errors.ts';
export * from './frames.ts';
export * from './names.ts';
export * from './reports.ts';
export * from './stats.ts';
