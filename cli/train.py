"""``gantk train VARIANT``: train a GAN variant on a dataset into a run directory."""

import click


def parse_sizes(text):
    from gantk.errors import ConfigError

    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise ConfigError(f"Argument `hidden` must be positive layer sizes separated by commas, e.g. 512,512. Received: hidden={text!r}")
    return sizes


@click.command("train")
@click.argument("variant")
@click.option("--dataset", help="digits (bundled), a folder of images, or a tensorflow-datasets name such as celeb_a.")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Where tensorflow-datasets keeps prepared data.")
@click.option("--image-size", type=int, help="Square image size, a power of two from 16 to 128.")
@click.option("--channels", type=click.Choice(["1", "3"]), help="Colour channels; default: those of the data.")
@click.option("--batch-size", type=int, help="Global batch size (split across replicas).")
@click.option("--epochs", type=int, help="Passes over the data (default 20).")
@click.option("--steps", type=int, help="Generator updates; overrides --epochs.")
@click.option("--latent-dim", type=int, help="Size of the noise vector z.")
@click.option("--width", type=int, help="Channels of the widest-resolution layer; doubled at each halving.")
@click.option("--loss", help="Loss pair: non-saturating, minimax, wasserstein, hinge, least-squares, feature-matching.")
@click.option("--d-learning-rate", type=click.FloatRange(min=0, min_open=True), help="Discriminator learning rate (default: the variant's paper).")
@click.option("--g-learning-rate", type=click.FloatRange(min=0, min_open=True), help="Generator learning rate (default: the variant's paper).")
@click.option("--lr-decay-steps", type=click.IntRange(min=1), metavar="N", help="Cosine decay of both learning rates to 1% over N generator updates.")
@click.option("--generator-ema", type=click.FloatRange(min=0, max=1, min_open=True, max_open=True), metavar="DECAY", help="Sample, save and export a moving average of G's weights with this decay, e.g. 0.999 (Yazici et al. 2019).")
@click.option("--d-steps", type=int, help="Discriminator updates per generator update (k).")
@click.option("--arch", type=click.Choice(["mlp", "dcgan"]), help="Networks of gan, cgan, wgan, wgan-gp (point data always uses mlp).")
@click.option("--hidden", help="MLP hidden layer sizes, comma-separated, e.g. 512,512.")
@click.option("--dropout", type=click.FloatRange(min=0, max=1, max_open=True), help="Dropout after each hidden layer of an MLP discriminator (gan: 0.5).")
@click.option("--label-smoothing", type=float, help="One-sided label smoothing: the real target, e.g. 0.9.")
@click.option("--minibatch-discrimination", is_flag=True, default=None, help="Minibatch features (100 kernels x 5) before D's logit (Salimans et al. 2016).")
@click.option("--historical-averaging", type=click.FloatRange(min=0, min_open=True), metavar="WEIGHT", help="Penalty WEIGHT * ||theta_D - mean of past theta_D||^2 (Salimans et al. 2016).")
@click.option("--virtual-batch-norm", type=click.Choice(["generator", "discriminator", "both"]), is_flag=False, flag_value="generator", help="Virtual batch normalization against a fixed reference batch (alone: generator) (Salimans et al. 2016).")
@click.option("--instance-noise", type=click.FloatRange(min=0, min_open=True), metavar="STD", help="Gaussian noise on D's inputs, STD annealed linearly to 0 over the run (Sonderby et al. 2016).")
@click.option("--r1-penalty", type=click.FloatRange(min=0, min_open=True), metavar="GAMMA", help="Penalty GAMMA/2 * E||grad D(x)||^2 on real data (Mescheder et al. 2018).")
@click.option("--latent-mixture", type=click.IntRange(min=2), metavar="K", help="z picks one of K equally likely latent components (one-hot) plus scaled noise, so G need not bridge separated modes (DeLiGAN-style prior).")
@click.option("--latent-mixture-scale", type=click.FloatRange(min=0, min_open=True), metavar="S", help="Scale of the noise within each latent component (default 0.1).")
@click.option("--labeled-per-class", type=click.IntRange(min=1), metavar="N", help="ssgan: N labelled examples per class, drawn from the seed; the rest of the training split unlabelled (Salimans et al. 2016).")
@click.option("--adversarial-weight", type=click.FloatRange(min=0), help="ssgan: weight of the real/fake objective in D's loss; 0 trains on the labelled images alone.")
@click.option("--d-noise", type=click.FloatRange(min=0), metavar="STD", help="Gaussian noise on each hidden layer of an MLP discriminator (ssgan: 0.5).")
@click.option("--d-input-noise", type=click.FloatRange(min=0), metavar="STD", help="Gaussian noise on an MLP discriminator's input (ssgan: 0.3).")
@click.option("--beta", type=click.FloatRange(min=0), help="vae: weight of the KL term in the loss (Higgins et al. 2017; 1 is the ELBO of Kingma & Welling 2014).")
@click.option("--seed", type=int, help="Seed for weights, noise, data order and sample grids.")
@click.option("--checkpoint-every", type=int, help="Also checkpoint every N steps (always at each epoch end).")
@click.option("--eval-every", type=click.IntRange(min=1), help="Log sample-quality metrics to TensorBoard and history.jsonl every N epochs.")
@click.option("--log-every", type=click.IntRange(min=1), help="Steps between the per-step TensorBoard scalars and steps.jsonl lines (default 10).")
@click.option("--out", "run_dir", type=click.Path(file_okay=False), help="Run directory (default runs/<variant>-<time>).")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last checkpoint.")
@click.option("--strategy", type=click.Choice(["auto", "default", "mirrored", "multi-worker", "tpu"]), help="tf.distribute strategy.")
@click.option("--precision", type=click.Choice(["float32", "mixed_float16", "mixed_bfloat16", "auto"]), help="Compute precision; auto: mixed_float16 on tensor-core GPUs, mixed_bfloat16 on CPUs with AVX-512 BF16/AMX, else float32.")
@click.option("--jit-compile", type=click.Choice(["auto", "on", "off"]), help="XLA-compile the train step; auto: only on a single GPU.")
@click.option("--sync-bn", is_flag=True, default=None, help="BatchNorm statistics over the global batch across replicas (default: per replica).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def command(
    variant, run_dir, resume, quiet, channels, checkpoint_every, arch, hidden, dropout, lr_decay_steps, eval_every, log_every,
    sync_bn, generator_ema, labeled_per_class, adversarial_weight, d_noise, d_input_noise, beta, **options,
):
    """Train VARIANT (see `gantk list`), writing checkpoints, sample grids and the generator."""
    from gantk.errors import RunDirError
    from gantk.training.build import resolve_config
    from gantk.training.run import train

    if resume and not run_dir:
        raise RunDirError("--resume needs --out RUN_DIR naming the run to continue.")
    extra = {"checkpoint_every": checkpoint_every} if checkpoint_every else {}
    if arch:
        extra["arch"] = arch
    if hidden:
        extra["hidden"] = parse_sizes(hidden)
    if sync_bn:
        extra["sync_bn"] = True
    if dropout is not None:
        extra["dropout"] = dropout
    extra.update({k: v for k, v in dict(eval_every=eval_every, log_every=log_every, lr_decay_steps=lr_decay_steps, generator_ema=generator_ema).items() if v})
    extra.update({k: v for k, v in dict(
        labeled_per_class=labeled_per_class, adversarial_weight=adversarial_weight, d_noise=d_noise,
        d_input_noise=d_input_noise, beta=beta,
    ).items() if v is not None})
    from gantk.tricks import pop_trick_flags

    extra.update(pop_trick_flags(options))
    config = resolve_config(variant, channels=int(channels) if channels else None, options=extra, **options)
    run_dir = train(config, run_dir=run_dir, resume=resume, progress=not quiet, log=click.echo)
    click.echo(f"Run saved in {run_dir} (samples: {run_dir}/samples.png, generator: {run_dir}/generator.keras).")
