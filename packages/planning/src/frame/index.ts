/** Stereotactic frame: N-localizer fiducials, paired-point frame registration, Leksell coordinates and arc settings. */
export * from './nLocalizer.ts';
export * from './pairedPoint.ts';
export * from './leksell.ts';
