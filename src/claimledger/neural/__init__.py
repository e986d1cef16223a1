"""The neural room of claimledger: a small transformer encoder fine-tuned offline, run here with
onnxruntime (int8) and numpy heads.

Runtime modules need only numpy and onnxruntime:

* :mod:`~claimledger.neural.wordpiece` — the encoder's WordPiece tokenizer over spaCy tokens;
* :mod:`~claimledger.neural.windows` — articles cut into encoder windows of whole sentences;
* :mod:`~claimledger.neural.store` — shipped models by name: card, checksum, ONNX session;
* :mod:`~claimledger.neural.attribution` — the attribution tagger (cue, then source and content
  conditioned on each cue);
* :mod:`~claimledger.neural.texts`, :mod:`~claimledger.neural.judgments` — fine-tuned sentence
  and pair classifiers (check-worthiness, certainty, stance);
* :mod:`~claimledger.neural.hashed` — the fast engine's check-worthiness without an encoder
  (hashed words and the static embedding, distilled from the fine-tuned model).

Training lives in :mod:`claimledger.neural.train` and needs the training venv
(``requirements-train.txt``: torch, transformers, onnx); ``python -m claimledger.neural.train
TASK --seed N`` rebuilds a shipped model.
"""
