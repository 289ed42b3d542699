// mlxocr train: fine-tuning on image/text pairs, checkpoints in Hugging Face layout (see
// include/mlxocr/train.h and docs/training.md).
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "mlxocr/error.h"
#include "mlxocr/train.h"

namespace mlxocr::cli {

namespace {

struct TrainArgs {
  TrainOptions options;
  std::string model, train, eval, output, resume;
  bool no_progress = false;
};

}  // namespace

Action add_train(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  TrainOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "train", "Fine-tune a TrOCR model on image/text pairs; checkpoints transformers loads back");
  cmd->add_option("-m,--model", args->model,
                  "Model to start from: a Hugging Face folder or hub id org/name[@revision]");
  cmd->add_option("--train", args->train,
                  "Training data: a CSV/TSV (header file_name,text; paths relative to it), a "
                  ".jsonl ({\"file_name\", \"text\"}), or a folder of images with .txt sidecars")
      ->required();
  cmd->add_option("--eval", args->eval, "Evaluation data (same forms), decoded greedily for CER");
  cmd->add_option("-o,--output", args->output,
                  "Folder for checkpoint-<step>/, metrics.jsonl and training.png")
      ->required();
  cmd->add_option("--epochs", o.epochs, "Passes over the training data (default 3)");
  cmd->add_option("--max-steps", o.max_steps,
                  "Optimizer steps to take; overrides --epochs when > 0");
  cmd->add_option("--batch-size", o.batch_size, "Samples per micro-batch and process (default 8)");
  cmd->add_option("--grad-accum", o.grad_accum,
                  "Micro-batches whose gradients make one step (default 1)");
  cmd->add_option("--lr", o.adamw.lr, "Peak learning rate of AdamW (default 5e-5)");
  cmd->add_option("--warmup-steps", o.warmup_steps,
                  "Steps of linear warmup from 0, then linear decay to 0 (default 0)");
  cmd->add_option("--weight-decay", o.adamw.weight_decay,
                  "AdamW's decoupled weight decay (default 0)");
  cmd->add_option("--grad-clip", o.grad_clip,
                  "Clip the global gradient norm to this (default 1.0; 0 turns it off)");
  cmd->add_option("--label-smoothing", o.label_smoothing,
                  "Label smoothing of the cross-entropy, as torch defines it (default 0)");
  cmd->add_option("--max-target-length", o.max_target_length,
                  "Label tokens per text at most, start and end tokens included (default 128, or\n"
                  "the decoder's max_position_embeddings when smaller)");
  cmd->add_flag("--freeze-encoder", o.freeze_encoder, "Train the decoder only");
  cmd->add_option("--eval-every", o.eval_every, "Evaluate every N steps (default: every epoch)");
  cmd->add_option("--save-every", o.save_every, "Write a checkpoint every N steps (default 500)");
  cmd->add_option("--keep-last", o.keep_last, "Keep only the newest N checkpoints (default all)");
  cmd->add_option("--seed", o.seed, "Seed of the data order and augmentation (default 42)");
  cmd->add_option("--resume", args->resume,
                  "Continue from a checkpoint-<step> folder of an earlier run (exactly: same "
                  "data order, optimizer state and schedule)");
  cmd->add_flag("--overwrite", o.overwrite,
                "Start afresh in an OUTPUT that holds an earlier run: its checkpoint-* folders,\n"
                "metrics.jsonl and training.png are removed first (without it, or --resume, such\n"
                "an OUTPUT is refused)");
  cmd->add_flag("--augment", o.augment,
                "Light on-the-fly augmentation: small rotation, blur, noise, contrast");
  cmd->add_option("--token-dropout", o.token_dropout,
                  "Probability of replacing each decoder input token (after the start token) by "
                  "the unknown token, labels unchanged (default 0). For training from scratch: "
                  "a decoder that cannot lean on the previous characters has to read the image")
      ->check(CLI::Range(0.0, 0.9));
  cmd->add_option("--ctc-weight", o.ctc_weight,
                  "Add W x CTC loss of a linear head on the encoder's patch columns (default 0: "
                  "off). For training from scratch: gives the encoder a direct per-column signal "
                  "before the decoder has learnt where to look. The head is not part of the "
                  "saved model (kept in optimizer.safetensors for --resume)")
      ->check(CLI::Range(0.0, 10.0));
  cmd->add_flag("--dropout,!--no-dropout", o.dropout,
                "Dropout as config.json sets it (decoder dropout and activation_dropout, "
                "encoder hidden_dropout_prob; default on)");
  cmd->add_option("--eval-batch-size", o.eval_batch_size, "Images per decoding batch (default 8)");
  cmd->add_option("--distributed-backend", o.distributed_backend,
                  "MLX distributed backend: any, ring or mpi (default any)");
  cmd->add_flag("--no-progress", args->no_progress, "No progress bar");
  add_max_pixels_option(cmd);
  cmd->footer(
      "The defaults are those of the common TrOCR fine-tuning recipe (Seq2SeqTrainer): AdamW\n"
      "lr 5e-5, betas (0.9, 0.999), eps 1e-8, no weight decay, no warmup, linear decay, clip 1.0,\n"
      "batch 8, 3 epochs. Labels are the tokenizer's ids with the start and end tokens, padding\n"
      "ignored by the loss; decoder inputs are shift_tokens_right(labels). Samples that cannot\n"
      "be used (missing or unreadable image, empty text, ...) are listed and skipped.\n\n"
      "Output: OUTPUT/checkpoint-<step>/ is a Hugging Face model folder (config.json,\n"
      "model.safetensors, tokenizer, preprocessor and generation configs) that\n"
      "VisionEncoderDecoderModel.from_pretrained and every mlxocr command load, plus\n"
      "optimizer.safetensors and trainer_state.json for --resume. A checkpoint is written every\n"
      "--save-every steps and at the end, atomically. OUTPUT/metrics.jsonl has one JSON line per\n"
      "step (loss, lr, grad_norm, samples_per_second) and per evaluation (eval_cer, eval_wer,\n"
      "eval_exact_match); OUTPUT/training.png plots loss and CER. A non-finite loss stops the\n"
      "run with a message; the checkpoints already written stay usable. An OUTPUT holding\n"
      "checkpoints of an earlier run is refused unless --resume or --overwrite; while a run\n"
      "writes OUTPUT it holds OUTPUT/.mlxocr.lock, and a second run into it fails at once.\n\n"
      "Speed: the decoder skips the padding after each row's last label (same loss and\n"
      "gradients); the next step's images load while a step computes; on the CPU every matrix\n"
      "product runs on mlxocr's threads (MLXOCR_THREADS, default the cores, at most 8) with\n"
      "OpenBLAS single-threaded. MLXOCR_PACK_ROWS=0 and MLXOCR_TRAIN_OWN_THREADS=0 turn the\n"
      "first and the last off, for comparisons (docs/training.md).\n\n"
      "Data parallel: start one process per rank with MLX_RANK and MLX_HOSTFILE (a JSON list of\n"
      "[\"host:port\"] per rank) set; each takes --batch-size samples of every micro-batch,\n"
      "gradients are summed across processes and rank 0 writes the checkpoints "
      "(docs/training.md).\n\n"
      "Examples:\n"
      "  mlxocr train -m microsoft/trocr-small-printed --train data/train.csv --eval data/val.csv "
      "-o runs/forms\n"
      "  mlxocr train -m ./base --train lines/ -o runs/a --max-steps 2000 --batch-size 16 "
      "--augment\n"
      "  mlxocr train --resume runs/a/checkpoint-1000 --train lines/ -o runs/a --max-steps 2000");
  return [args]() {
    TrainOptions options = args->options;
    if (args->model.empty() && args->resume.empty())
      throw UsageError("train needs --model (or --resume CHECKPOINT)");
    options.model = args->model;  // a folder or a hub id: train() resolves it
    options.train_data = args->train;
    options.eval_data = args->eval;
    options.output = args->output;
    options.resume = args->resume;
    options.progress = !args->no_progress;
    train(options, std::cerr);
    return 0;
  };
}

}  // namespace mlxocr::cli
