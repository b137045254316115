export * from './authenticate';
export * from './principal';
export * from './roles';
