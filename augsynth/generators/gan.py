"""A conditional DCGAN for tiny data: class-modulated generator, spectral-normalised projection discriminator
(Miyato & Koyama 2018), hinge loss, and DiffAugment (Zhao et al. 2020) on every discriminator input."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from augsynth.generators.base import GENERATORS, GeneratorConfig, ImageShape, batches
from augsynth.generators.layers import fit_size, resize
from augsynth.spec.schema import Float, Int


class CGANConfig(GeneratorConfig):
    epochs: Int = Field(default=2000, ge=1)
    lr: Float = Field(default=1e-3, gt=0)  # the generator's; the discriminator's is lr * d_lr_ratio
    latent_dim: Int = Field(default=64, ge=1, le=4096)
    width: Int = Field(default=32, ge=4, le=1024)  # channels of the last generator / first discriminator layer, doubled
    d_lr_ratio: Float = Field(default=1.0, gt=0)
    d_steps: Int = Field(default=1, ge=1, le=100)  # discriminator updates per generator update
    cutout: Float = Field(default=0.25, ge=0.0, lt=1.0)  # side of the DiffAugment cutout square, as a fraction


class CondNorm(nn.Module):
    """Group normalisation with a per-class scale and shift (conditional normalisation, per sample)."""

    def __init__(self, channels: int, n_classes: int):
        super().__init__()
        self.norm = nn.GroupNorm(math.gcd(8, channels), channels, affine=False)
        self.embed = nn.Embedding(n_classes, 2 * channels)
        nn.init.zeros_(self.embed.weight)

    def forward(self, h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.embed(y)[:, :, None, None].chunk(2, dim=1)
        return self.norm(h) * (1 + gamma) + beta


class Generator(nn.Module):
    """Noise -> linear -> two class-modulated transposed convolutions -> tanh, at the working size."""

    def __init__(self, config: CGANConfig, shape: ImageShape, n_classes: int, work: tuple[int, int]):
        super().__init__()
        h, w, c = work[0] // 4, work[1] // 4, config.width
        self.from_latent = nn.Sequential(nn.Linear(config.latent_dim, 2 * c * h * w), nn.Unflatten(1, (2 * c, h, w)))
        self.norm0, self.up1 = CondNorm(2 * c, n_classes), nn.ConvTranspose2d(2 * c, c, 4, 2, 1)
        self.norm1, self.up2 = CondNorm(c, n_classes), nn.ConvTranspose2d(c, shape.channels, 4, 2, 1)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.up1(F.relu(self.norm0(self.from_latent(z), y)))
        return torch.tanh(self.up2(F.relu(self.norm1(h, y))))


class Discriminator(nn.Module):
    """Spectral-normalised convolutions; score = linear critic + projection of the pooled features on the class."""

    def __init__(self, config: CGANConfig, shape: ImageShape, n_classes: int):
        super().__init__()
        c = config.width
        self.features = nn.Sequential(
            spectral_norm(nn.Conv2d(shape.channels, c, 4, 2, 1)),
            nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(c, 2 * c, 4, 2, 1)),
            nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(2 * c, 2 * c, 3, 1, 1)),
            nn.LeakyReLU(0.2),
        )
        self.critic = spectral_norm(nn.Linear(2 * c, 1))
        self.project = spectral_norm(nn.Embedding(n_classes, 2 * c))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        phi = self.features(x).sum(dim=(2, 3))
        return self.critic(phi).squeeze(1) + (self.project(y) * phi).sum(1)


class ConditionalGAN(nn.Module):
    def __init__(self, config: CGANConfig, shape: ImageShape, n_classes: int):
        super().__init__()
        self.shape, self.work, self.n_classes = shape, fit_size(shape, 4), n_classes
        self.generator = Generator(config, shape, n_classes, self.work)
        self.discriminator = Discriminator(config, shape, n_classes)


def augment(x: torch.Tensor, cutout: float, rng: torch.Generator) -> torch.Tensor:
    """DiffAugment: a random translation by up to 1/8 of the size (edges replicated), then a random cutout square."""
    b, _, height, width = x.shape
    dy, dx = (torch.randint(-(s // 8), s // 8 + 1, (b, 1, 1), generator=rng).to(x.device) for s in (height, width))
    rows = (torch.arange(height, device=x.device)[None, :, None] + dy).clamp(0, height - 1)
    cols = (torch.arange(width, device=x.device)[None, None, :] + dx).clamp(0, width - 1)
    x = x[torch.arange(b, device=x.device)[:, None, None], :, rows, cols].permute(0, 3, 1, 2)
    if cutout > 0:
        sh, sw = max(1, round(cutout * height)), max(1, round(cutout * width))
        cy, cx = (torch.randint(0, s, (b, 1, 1), generator=rng).to(x.device) for s in (height, width))
        keep = ((torch.arange(height, device=x.device)[None, :, None] - cy).abs() * 2 >= sh) | (
            (torch.arange(width, device=x.device)[None, None, :] - cx).abs() * 2 >= sw
        )
        x = x * keep[:, None].to(x.dtype)
    return x


def build(config: CGANConfig, shape: ImageShape, n_classes: int) -> nn.Module:
    return ConditionalGAN(config, shape, n_classes)


def fit(
    model: ConditionalGAN,
    x: torch.Tensor,
    y: torch.Tensor,
    config: CGANConfig,
    rng: torch.Generator,
    device: torch.device,
    progress,
) -> None:
    """Alternate hinge-loss discriminator steps and generator steps, both seeing augmented images only."""
    d_opt = torch.optim.Adam(model.discriminator.parameters(), lr=config.lr * config.d_lr_ratio, betas=(0.0, 0.9))
    g_opt = torch.optim.Adam(model.generator.parameters(), lr=config.lr, betas=(0.0, 0.9))
    x = resize(x, model.work)
    model.train()

    def fake_batch(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        z = torch.randn((n, config.latent_dim), generator=rng).to(device)
        yf = torch.randint(0, model.n_classes, (n,), generator=rng).to(device)
        return model.generator(z, yf), yf

    def score(images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return model.discriminator(augment(images, config.cutout, rng), labels)

    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        for index in progress(batches(len(y), config.batch_size, config.epochs, rng)):
            xb, yb = x[index.to(device)], y[index.to(device)]
            for _ in range(config.d_steps):
                with torch.no_grad():
                    fake, yf = fake_batch(len(yb))
                scores = score(torch.cat([xb, fake]), torch.cat([yb, yf]))
                d_loss = F.relu(1 - scores[: len(yb)]).mean() + F.relu(1 + scores[len(yb) :]).mean()
                d_opt.zero_grad(set_to_none=True)
                d_loss.backward()
                d_opt.step()
            g_loss = -score(*fake_batch(len(yb))).mean()
            g_opt.zero_grad(set_to_none=True)
            g_loss.backward()
            g_opt.step()


def noise_shape(config: CGANConfig, shape: ImageShape) -> tuple[int, ...]:
    return (config.latent_dim,)


@torch.no_grad()
def decode(model: ConditionalGAN, noise: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    model.eval()
    return resize(model.generator(noise, labels), (model.shape.height, model.shape.width))


@GENERATORS.register("cgan")
class CGAN:
    """The conditional GAN kind."""

    config = CGANConfig
    build = staticmethod(build)
    fit = staticmethod(fit)
    noise_shape = staticmethod(noise_shape)
    decode = staticmethod(decode)
