/** Patient registration: image LPS → robot, FRE and predicted TRE (Fitzpatrick, West & Maurer 1998). */
export * from './registerPatient.ts';
export * from './fiducialConfiguration.ts';
export * from './errorRadius.ts';
