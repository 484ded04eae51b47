"""The ``keras.Model`` classes a recipe can name: the GAN and the families whose update differs."""

from gantk.training.autoencoder import AutoEncoder
from gantk.training.gan import GAN
from gantk.training.semi_supervised import SemiSupervisedGAN
from gantk.training.text_to_image import TextToImageGAN

MODELS = {"gan": GAN, "semi-supervised": SemiSupervisedGAN, "autoencoder": AutoEncoder, "text-to-image": TextToImageGAN}
