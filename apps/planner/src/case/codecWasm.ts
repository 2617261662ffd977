/**
 * The codec WebAssembly files the decode workers load for compressed DICOM (JPEG-LS, JPEG 2000, HTJ2K,
 * JPEG baseline, RLE and more via dcmjs-codecs), as Vite-emitted asset URLs by the file name the
 * workers ask for (loadFiles' `codecWasm`). Without them a compressed file would fail to decode.
 */
import type { CodecWasmUrls } from '@neuroplan/imaging/browser';
import charls from '@cornerstonejs/codec-charls/decodewasm?url';
import openjpeg from '@cornerstonejs/codec-openjpeg/decodewasm?url';
import openjph from '@cornerstonejs/codec-openjph/wasm?url';
import libjpegTurbo from '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm?url';
import dcmjsCodecs from 'dcmjs-codecs/build/dcmjs-native-codecs.wasm?url';

export const CODEC_WASM: CodecWasmUrls = {
  'charlswasm_decode.wasm': charls,
  'openjpegwasm_decode.wasm': openjpeg,
  'openjphjs.wasm': openjph,
  'libjpegturbowasm_decode.wasm': libjpegTurbo,
  'dcmjs-native-codecs.wasm': dcmjsCodecs,
};
