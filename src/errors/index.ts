/**
 * errors: the vocabulary (./vocabulary), the sentences of every failure the gateway reports
 * (./sentences: upstream failures by kind and by HTTP status, with per-service overrides), the
 * masking rule (./masking) and the one error envelope (./envelope).
 */
export * from './vocabulary';
export * from './masking';
export * from './envelope';
export * from './sentences';
