"""A first-order bound on how far the integer datapath may move the model's loss (dense policy).

The integer path differs from float attention by (docs/numerics.md):
  * input quantization of q, k, v: each element moves by at most half a step, s/2, plus what
    saturation cuts off when a decode value exceeds the range fixed on the prompt;
  * the scores' error from that: |d score_j| <= sum_e (|q_e| dk_je + |k_je| dq_e + dq_e dk_je) / sqrt(D)
    (in nats), plus 2^-16 relative from the rounded score constant C;
  * the softmax datapath: |p - p_true| <= 2^-8 p_true + 2^-14 per probability (the spec's table),
    p_true being the exact softmax of the integer scores, so that with a score error of at most
    eps, ||p_int - p_float||_1 <= (e^(2 eps) - 1)(1 + 2^-8) + 2^-8 + n 2^-14;
  * the output: a convex combination of V, so its error per element is at most
    ||dp||_1 max_j |v_je| + max_j dv_je + half an output step (2^-OUT_FRAC_BITS V steps).
That gives an error bound eps[l, h, t, e] on every attention output element of the decode
steps. To first order the mean decode loss then moves by at most
    B = (1/N) sum_{t, l, h, e} |dL/do[l, h, t, e]| eps[l, h, t, e]     (Hoelder's inequality),
where L is the summed next-byte loss of the N decode steps and the gradient (one backward pass of
the model's own float forward) carries every path an output error takes: through later layers,
and through the token's keys and values into every later token. B is derived from the
quantization steps, the spec's datapath bounds and the model's own gradient; no measured loss of
the integer path enters it.

B assumes every error takes its worst value in the worst direction at once, and on the trained
model it is vacuous (1.6 to 14 nats/byte over 8 windows, more than the model's loss). Rounding
errors are not like that: they are spread over both signs and nearly independent from element
to element. If
each error is zero-mean within +-eps (at most uniform's variance eps^2 / 3 for a rounding;
smaller for the others, which are bounded by eps too), the first-order loss change has standard
deviation at most
    sigma = sqrt(sum (|dL/do| eps)^2 / 3) / N,
and the bound the tests use is 4 sigma (STAT_SIGMAS). It is the stated bound of the dense integer
path's loss change; the independence assumption is what it rests on, and a datapath with a
systematic error (a wrong scale, a biased rounding) breaks it by far.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F

SPEC_P_REL = 2.0 ** -8   # docs/numerics.md, "Error bounds": probability, relative part
SPEC_P_ABS = 2.0 ** -14  # ... and absolute part
SPEC_C_REL = 2.0 ** -16  # the score constant's mantissa rounding
STAT_SIGMAS = 4.0


def output_gradients(model, ids, prompt, tokens):
    """|dL/d attention output| [L, Hq, T, D] of the summed decode loss, and that loss per step."""
    grads = []

    def keep(_, inputs):
        x = inputs[0]
        x.retain_grad()
        grads.append(x)

    hooks = [b.attn.wo.register_forward_pre_hook(keep) for b in model.blocks]
    try:
        logits = model(torch.as_tensor(ids[:tokens]).unsqueeze(0))[0]
        target = torch.as_tensor(ids[prompt + 1:tokens + 1])
        loss = F.cross_entropy(logits[prompt:tokens], target, reduction="none")
        model.zero_grad()
        loss.sum().backward()
    finally:
        for h in hooks:
            h.remove()
    s = model.shape
    g = torch.stack([x.grad[0].view(tokens, s.q_heads, s.head_dim).transpose(0, 1) for x in grads])
    return g.abs().double().numpy(), loss.detach().double().numpy()


def quant_error(x, scale, data_max):
    """Per element: half a step, plus what saturation at +-data_max steps cuts off."""
    return scale / 2 + np.maximum(0.0, np.abs(x) - data_max * scale)


def output_error_bounds(layers, scales, prompt, tokens, data_max, out_frac_bits):
    """eps [L, Hq, T, D] (zero on prompt rows): the bound above on each attention output element."""
    L = len(layers)
    hq, _, d = layers[0]["q"].shape
    hkv = layers[0]["k"].shape[0]
    group = hq // hkv
    eps = np.zeros((L, hq, tokens, d))
    causal = np.tril(np.ones((tokens, tokens), dtype=bool))
    for l, c in enumerate(layers):
        q, k, v = (c[n][:, :tokens].double().numpy() for n in ("q", "k", "v"))
        for h in range(hq):
            g = h // group
            sq, sk, sv = scales["q"][l][h], scales["k"][l][g], scales["v"][l][g]
            dq, dk, dv = quant_error(q[h], sq, data_max), quant_error(k[g], sk, data_max), quant_error(v[g], sv, data_max)
            ds = (np.abs(q[h]) @ dk.T + dq @ np.abs(k[g]).T + dq @ dk.T) / math.sqrt(d)
            ds += np.abs(q[h] @ k[g].T) / math.sqrt(d) * SPEC_C_REL
            ds_max = np.where(causal, ds, 0.0).max(axis=1)  # [T]
            n = np.arange(1, tokens + 1)
            dp = np.expm1(2 * ds_max) * (1 + SPEC_P_REL) + SPEC_P_REL + n * SPEC_P_ABS
            vmax = np.maximum.accumulate(np.abs(v[g]) + dv, axis=0)  # [T, D]: max over j <= t
            dvmax = np.maximum.accumulate(dv, axis=0)
            e = dp[:, None] * vmax + dvmax + sv * 2.0 ** -(out_frac_bits + 1)
            eps[l, h, prompt:] = e[prompt:]
    return eps


def first_order_bound(model, ids, prompt, tokens, layers, scales, data_max, out_frac_bits):
    """For one window, on |mean decode loss (integer dense) - mean decode loss (float)|:
    (worst case B, statistical bound STAT_SIGMAS * sigma)."""
    grad, _ = output_gradients(model, ids, prompt, tokens)
    eps = output_error_bounds(layers, scales, prompt, tokens, data_max, out_frac_bits)
    ge = grad * eps
    n = tokens - prompt
    return float(ge.sum() / n), float(STAT_SIGMAS * math.sqrt((ge ** 2).sum() / 3) / n)
