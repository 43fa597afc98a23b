"""A convolutional conditional VAE (Kingma et al. 2014, M2-style conditioning by one-hot class maps)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

from augsynth.generators.base import GENERATORS, GeneratorConfig, ImageShape, batches
from augsynth.generators.layers import fit_size, resize
from augsynth.spec.schema import Float, Int


class CVAEConfig(GeneratorConfig):
    epochs: Int = Field(default=600, ge=1)
    latent_dim: Int = Field(default=16, ge=1, le=4096)
    width: Int = Field(default=32, ge=4, le=1024)  # channels of the first conv layer; doubled once
    beta: Float = Field(default=1.0, gt=0)  # weight of the KL term


class ConditionalVAE(nn.Module):
    def __init__(self, config: CVAEConfig, shape: ImageShape, n_classes: int):
        super().__init__()
        self.shape, self.n_classes, self.latent_dim = shape, n_classes, config.latent_dim
        self.work = fit_size(shape, 4)
        h, w, c = self.work[0] // 4, self.work[1] // 4, config.width
        self.encoder = nn.Sequential(
            nn.Conv2d(shape.channels + n_classes, c, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(c, 2 * c, 4, 2, 1),
            nn.BatchNorm2d(2 * c),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
        )
        self.to_stats = nn.Linear(2 * c * h * w, 2 * config.latent_dim)
        self.from_latent = nn.Sequential(nn.Linear(config.latent_dim + n_classes, 2 * c * h * w), nn.ReLU())
        self.decoder = nn.Sequential(
            nn.Unflatten(1, (2 * c, h, w)),
            nn.ConvTranspose2d(2 * c, c, 4, 2, 1),
            nn.BatchNorm2d(c),
            nn.ReLU(),
            nn.ConvTranspose2d(c, shape.channels, 4, 2, 1),
            nn.Tanh(),
        )

    def encode(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = resize(x, self.work)
        maps = F.one_hot(y, self.n_classes).float()[:, :, None, None].expand(-1, -1, *x.shape[2:])
        mu, logvar = self.to_stats(self.encoder(torch.cat([x, maps], 1))).chunk(2, dim=1)
        return mu, logvar.clamp(-8, 8)

    def decode(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        out = self.decoder(self.from_latent(torch.cat([z, F.one_hot(y, self.n_classes).float()], 1)))
        return resize(out, (self.shape.height, self.shape.width))


def build(config: CVAEConfig, shape: ImageShape, n_classes: int) -> nn.Module:
    return ConditionalVAE(config, shape, n_classes)


def fit(
    model: ConditionalVAE,
    x: torch.Tensor,
    y: torch.Tensor,
    config: CVAEConfig,
    rng: torch.Generator,
    device: torch.device,
    progress,
) -> None:
    """Minimise reconstruction error (per pixel, summed) plus beta times the KL divergence to N(0, I)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    model.train()
    for index in progress(batches(len(y), config.batch_size, config.epochs, rng)):
        xb, yb = x[index.to(device)], y[index.to(device)]
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            mu, logvar = model.encode(xb, yb)
            eps = torch.randn(mu.shape, generator=rng).to(device)
            recon = model.decode(mu + eps * (0.5 * logvar.float()).exp(), yb)
        rec_loss = F.mse_loss(recon.float(), xb, reduction="sum") / len(yb)
        kl = -0.5 * torch.sum(1 + logvar.float() - mu.float().pow(2) - logvar.float().exp()) / len(yb)
        loss = rec_loss + config.beta * kl
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


def noise_shape(config: CVAEConfig, shape: ImageShape) -> tuple[int, ...]:
    return (config.latent_dim,)


@torch.no_grad()
def decode(model: ConditionalVAE, noise: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    model.eval()
    return model.decode(noise, labels)


@GENERATORS.register("cvae")
class CVAE:
    """The conditional VAE kind."""

    config = CVAEConfig
    build = staticmethod(build)
    fit = staticmethod(fit)
    noise_shape = staticmethod(noise_shape)
    decode = staticmethod(decode)
