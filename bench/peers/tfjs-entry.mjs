// esbuild entry for the tfjs peer. Bundled (by run.mjs) from the ESM builds because
// tfjs-core's CommonJS build (`main`) registers no gradients, so tf.grads would fail
// on almost every op; the ESM side-effect module below registers all of them.
// Chained ops (`a.mul(b)`) are registered by the @tensorflow/tfjs union package, not by
// tfjs-core itself, so we import them too: that is the API a tfjs user writes against.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';

export { tf };
