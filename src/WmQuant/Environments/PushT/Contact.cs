namespace WmQuant.Environments.PushT;

/// <summary>One contact point of an arbiter plus the solver's per-contact accumulators.</summary>
internal sealed class Contact
{
    /// <summary>Offsets of the contact from each body's centre of gravity (absolute positions until the arbiter adopts the contact).</summary>
    public Vec2 R1;
    public Vec2 R2;
    public double NormalMass;
    public double TangentMass;
    public double Bias;
    public double BiasImpulse;
    public double NormalImpulse;
    public double TangentImpulse;
    public double Bounce;

    /// <summary>Identifies the pair of features that made this contact, so impulses carry over between steps.</summary>
    public int FeatureKey;
}
