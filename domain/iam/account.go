package iam

// CreateAccountInput is the body of a CreateAccount command (the account id is the command's
// Account). The service generates the id and checks it is unused; Apply checks again.
type CreateAccountInput struct {
	Name string
}

func applyCreateAccount(s *Store, c *Command, in *CreateAccountInput) error {
	if !isAccountID(c.Account) {
		return errorf(ErrValidation, "account id %q is not 12 digits", c.Account)
	}
	if s.Account(c.Account) != nil {
		return errorf(ErrEntityAlreadyExists, "The account %s already exists.", c.Account)
	}
	if in.Name == "" || len(in.Name) > 50 {
		return errorf(ErrValidation, "an account name is 1 to 50 characters")
	}
	for _, a := range s.Accounts() {
		if a.Name == in.Name {
			return errorf(ErrEntityAlreadyExists, "An account named %s already exists.", in.Name)
		}
	}
	s.accounts[c.Account] = &Account{ID: c.Account, Name: in.Name, CreatedAt: c.At}
	return nil
}

func isAccountID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}
