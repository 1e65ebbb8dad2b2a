// @ts-check
// The converter's thread, and each of its helpers': loads the WebAssembly
// module and answers the page's requests, one at a time, so the page
// itself never blocks; a helper answers the converter's tasks. In:
// messages (worker/protocol.js lists both protocols). Out: their answers.
//
// worker/module.js loads the module; worker/converter.js does what the
// page asks; worker/scheduling.js decides what runs when and shares the
// work with the helpers; worker/streams.js reads Files through streams;
// worker/storage.js keeps the package and what waits on disk.

import { perform } from './worker/converter.js';
import { load } from './worker/module.js';
import { answerConverter, answerPage } from './worker/protocol.js';
import { helperWork } from './worker/scheduling.js';

const ready = load();

self.onmessage = (event) => {
  if (answerConverter(event.data, ready, helperWork)) return;
  answerPage(event.data, ready, perform);
};
