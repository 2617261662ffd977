// vtk.js 36.4.1 ships no type declarations for this filter: the part of its API the surfaces benchmark uses.
declare module '@kitware/vtk.js/Filters/General/ImageMarchingCubes.js' {
  import type { vtkImageData } from '@kitware/vtk.js/Common/DataModel/ImageData.js';
  import type { vtkPolyData } from '@kitware/vtk.js/Common/DataModel/PolyData.js';
  interface vtkImageMarchingCubes {
    setInputData(data: vtkImageData): void;
    getOutputData(): vtkPolyData;
  }
  const vtkImageMarchingCubes: {
    newInstance(init: {
      contourValue: number;
      computeNormals: boolean;
      mergePoints: boolean;
    }): vtkImageMarchingCubes;
  };
  export default vtkImageMarchingCubes;
}
