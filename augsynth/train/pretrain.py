"""Autoencoder pretraining of a classifier's convolutional encoder, before fine-tuning on the labels."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ENCODER_LAYERS = 5  # the small-cnn models' conv trunk: three conv blocks with two poolings between them


def encoder_of(model: nn.Sequential) -> nn.Sequential:
    """The conv trunk the classifier head sits on (shared, not copied)."""
    return model[:ENCODER_LAYERS]


def decoder_for(encoder: nn.Sequential, in_channels: int) -> nn.Sequential:
    """Two stride-2 transposed convolutions back up to the input resolution (the trunk pools twice)."""
    width = encoder[-1][0].out_channels
    return nn.Sequential(
        nn.ConvTranspose2d(width, 32, 2, stride=2),
        nn.ReLU(inplace=True),
        nn.ConvTranspose2d(32, 16, 2, stride=2),
        nn.ReLU(inplace=True),
        nn.Conv2d(16, in_channels, 3, padding=1),
    )


def pretrain_encoder(model: nn.Sequential, images: torch.Tensor, config, seed: int) -> float:
    """Train ``model``'s encoder with a throw-away decoder to reconstruct ``images``; returns the last loss (MSE)."""
    encoder = encoder_of(model)
    decoder = decoder_for(encoder, images.shape[1]).to(images.device)
    params = list(encoder.parameters()) + list(decoder.parameters())
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=config.pretrain_steps)
    rng = np.random.default_rng(seed)
    loss = torch.zeros(())
    encoder.train()
    for _ in range(config.pretrain_steps):
        index = torch.from_numpy(rng.integers(0, len(images), min(config.batch_size, len(images)))).to(images.device)
        batch = images[index]
        out = decoder(encoder(batch))
        loss = F.mse_loss(F.interpolate(out, size=batch.shape[-2:]) if out.shape != batch.shape else out, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    return float(loss.detach())
