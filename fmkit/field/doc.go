// Package field builds the network v_theta of flow matching in GoMLX: the
// vector field that the ODE dx/dt = v_theta(t, x) integrates from noise to
// data.
//
//   - MLP is v_theta(t, x): the point x and a sinusoidal embedding of the
//     time t (TimeEmbedding) feed hidden layers of one activation, and a
//     last linear layer returns the velocity.
//   - Conditional is v_theta(t, x, c), the same network with a one-hot class
//     label c, where the extra label Null() = ∅ means "no class"; Guided is
//     classifier-free guidance (1 + w) v_theta(t, x, c) - w v_theta(t, x, ∅).
//   - Linear is the dense layer they use, whose gradient is computed with
//     two matrix products (much faster on GoMLX's pure-Go backend).
//
// Graph builders follow GoMLX's style: func(ctx *context.Context, ...) *Node,
// with the variables in ctx.
package field
