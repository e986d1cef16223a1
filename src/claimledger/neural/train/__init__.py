"""Training of the shipped neural models (needs the training venv: ``requirements-train.txt``).

``python -m claimledger.neural.train TASK [--seed N] [--epochs E] [--out DIR]`` trains one task
with the shared harness (:mod:`~claimledger.neural.train.harness`) on the data of
:mod:`claimledger.neural.data`, evaluates it on dev, exports the encoder to ONNX, quantises it to
int8 and writes the model folder with its card.
"""
